// Makes TorchSharp's native wrapper libLibTorchSharp.so (built with GCC 13) load against an older libstdc++, such as
// GCC 12's on Debian 12 or Ubuntu 22.04, which stops at GLIBCXX_3.4.30. MSBuild compiles this file with
// RoslynCodeTaskFactory (see MlNetVae.TorchSharp.targets); the tests compile it too and call LibStdCxxCompat directly.
//
// Why two byte edits are enough and no shim library is needed: GCC 13's <iostream> no longer puts a static
// std::ios_base::Init in every translation unit. It emits a bare reference to std::ios_base_library_init() at
// GLIBCXX_3.4.32 instead, so that the linker records a dependency on a libstdc++ that initializes the standard
// streams itself. That reference has no relocation, so the loader never binds it; its only effect is the version
// check that fails on an older libstdc++. Marking the version reference weak (VER_FLG_WEAK) turns that check's error
// into nothing (glibc mentions a missing weak version only under LD_DEBUG), and clearing the symbol's version leaves
// nothing that asks for GLIBCXX_3.4.32. The streams are still initialized before the wrapper runs: its dependency
// libc10.so constructs a std::ios_base::Init the pre-GCC 13 way, and the loader initializes dependencies first.
// Anything beyond that one reference (another symbol at a missing version, or a relocation against it) is refused.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>What <see cref="LibStdCxxCompat.Patch"/> did to a library.</summary>
public enum LibStdCxxPatch
{
    /// <summary>The libstdc++ defines every version the library needs from it; the library is unchanged.</summary>
    NotNeeded,
    /// <summary>A previous run already weakened the references this libstdc++ cannot satisfy; the library is unchanged.</summary>
    AlreadyPatched,
    /// <summary>The unsatisfiable references were weakened in the buffer; the caller writes it back.</summary>
    Patched,
    /// <summary>The library needs more than this libstdc++ has and weakening cannot fix it; the library is unchanged.</summary>
    Impossible,
}

/// <summary>Reads the GNU symbol-version tables of ELF64 little-endian shared libraries and weakens the one reference
/// that GCC 13 adds and an older libstdc++ cannot satisfy.</summary>
public static class LibStdCxxCompat
{
    /// <summary>std::ios_base_library_init(), the only symbol whose missing version this patch weakens.</summary>
    public const string IosBaseLibraryInit = "_ZSt21ios_base_library_initv";

    const string LibStdCxxSoname = "libstdc++.so.6";
    const uint ShtRela = 4, ShtDynsym = 11, ShtRel = 9;
    const uint ShtVerdef = 0x6ffffffd, ShtVerneed = 0x6ffffffe, ShtVersym = 0x6fffffff;
    const ushort VerFlgBase = 0x1, VerFlgWeak = 0x2, VerNdxGlobal = 1;

    /// <summary>The version names (GLIBCXX_3.4.30, CXXABI_1.3.13, ...) that a libstdc++ defines.</summary>
    public static HashSet<string> DefinedVersions(byte[] libStdCxx)
    {
        var elf = new Elf(libStdCxx);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Elf.Section verdef in elf.Sections.Where(s => s.Type == ShtVerdef))
        {
            Elf.Section strings = elf.Sections[(int)verdef.Link];
            for (long entry = verdef.Offset; ;)
            {
                // Elf64_Verdef: vd_version, vd_flags, vd_ndx, vd_cnt (u16 each), vd_hash, vd_aux, vd_next (u32 each)
                if ((elf.U16(entry + 2) & VerFlgBase) == 0)
                    names.Add(elf.String(strings, elf.U32(entry + elf.U32(entry + 12))));
                uint next = elf.U32(entry + 16);
                if (next == 0) break;
                entry += next;
            }
        }
        return names;
    }

    /// <summary>In <paramref name="library"/> (patched in place), weakens each libstdc++ version reference that
    /// <paramref name="libStdCxx"/> does not define, provided only an unrelocated std::ios_base_library_init() uses it.</summary>
    /// <param name="library">The bytes of libLibTorchSharp.so (or any ELF64 shared library).</param>
    /// <param name="libStdCxx">The bytes of the libstdc++.so.6 the library will be loaded with.</param>
    /// <param name="detail">The versions concerned, or why the library cannot be patched.</param>
    public static LibStdCxxPatch Patch(byte[] library, byte[] libStdCxx, out string detail)
    {
        var elf = new Elf(library);
        if (elf.Machine != new Elf(libStdCxx).Machine)
        {
            detail = "the library and libstdc++ are built for different processors";
            return LibStdCxxPatch.NotNeeded;
        }
        HashSet<string> defined = DefinedVersions(libStdCxx);
        Elf.Section dynsym = elf.Sections.Single(s => s.Type == ShtDynsym);
        Elf.Section symbolNames = elf.Sections[(int)dynsym.Link];
        Elf.Section versym = elf.Sections.Single(s => s.Type == ShtVersym);
        int dynsymIndex = elf.Sections.IndexOf(dynsym);
        var relocated = new HashSet<uint>();
        foreach (Elf.Section rel in elf.Sections.Where(s => (s.Type == ShtRela || s.Type == ShtRel) && s.Link == dynsymIndex))
            for (long entry = rel.Offset; entry < rel.Offset + rel.Size; entry += (long)rel.EntrySize)
                relocated.Add(elf.U32(entry + 12));   // the upper half of r_info: the symbol index

        var missing = new List<string>();
        var weakenAt = new List<long>();               // offsets of vna_flags to set VER_FLG_WEAK in
        var clearAt = new List<long>();                // offsets of .gnu.version entries to set to VER_NDX_GLOBAL
        foreach (Elf.Section verneed in elf.Sections.Where(s => s.Type == ShtVerneed))
        {
            Elf.Section strings = elf.Sections[(int)verneed.Link];
            for (long need = verneed.Offset; ;)
            {
                // Elf64_Verneed: vn_version, vn_cnt (u16), vn_file, vn_aux, vn_next (u32)
                if (elf.String(strings, elf.U32(need + 4)) == LibStdCxxSoname)
                    for (long aux = need + elf.U32(need + 8); ;)
                    {
                        // Elf64_Vernaux: vna_hash (u32), vna_flags, vna_other (u16), vna_name, vna_next (u32)
                        string version = elf.String(strings, elf.U32(aux + 8));
                        if (!defined.Contains(version))
                        {
                            missing.Add(version);
                            ushort index = elf.U16(aux + 6);
                            for (uint symbol = 0; symbol < dynsym.Size / 24; symbol++)
                            {
                                if ((elf.U16(versym.Offset + 2 * symbol) & 0x7fff) != index) continue;
                                string name = elf.String(symbolNames, elf.U32(dynsym.Offset + 24 * symbol));
                                if (name != IosBaseLibraryInit || relocated.Contains(symbol))
                                {
                                    detail = $"it needs {name} at {version}" + (name == IosBaseLibraryInit ? " through a relocation" : "");
                                    return LibStdCxxPatch.Impossible;
                                }
                                clearAt.Add(versym.Offset + 2 * symbol);
                            }
                            if ((elf.U16(aux + 4) & VerFlgWeak) == 0) weakenAt.Add(aux + 4);
                        }
                        uint nextAux = elf.U32(aux + 12);
                        if (nextAux == 0) break;
                        aux += nextAux;
                    }
                uint next = elf.U32(need + 12);
                if (next == 0) break;
                need += next;
            }
        }
        detail = string.Join(", ", missing);
        if (missing.Count == 0) return LibStdCxxPatch.NotNeeded;
        if (weakenAt.Count == 0 && clearAt.Count == 0) return LibStdCxxPatch.AlreadyPatched;
        foreach (long at in weakenAt) elf.SetU16(at, (ushort)(elf.U16(at) | VerFlgWeak));
        foreach (long at in clearAt) elf.SetU16(at, VerNdxGlobal);
        return LibStdCxxPatch.Patched;
    }

    /// <summary>Just enough of an ELF64 little-endian file: its section headers and integer fields.</summary>
    sealed class Elf
    {
        public readonly struct Section
        {
            public Section(uint type, long offset, long size, uint link, ulong entrySize)
            {
                Type = type; Offset = offset; Size = size; Link = link; EntrySize = entrySize;
            }
            public uint Type { get; }
            public long Offset { get; }
            public long Size { get; }
            public uint Link { get; }
            public ulong EntrySize { get; }
        }

        readonly byte[] bytes;

        public Elf(byte[] bytes)
        {
            this.bytes = bytes;
            if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (bytes[4] != 2 || bytes[5] != 1) throw new InvalidDataException("not a 64-bit little-endian ELF file");
            long table = (long)U64(0x28);   // e_shoff; e_shentsize at 0x3a, e_shnum at 0x3c
            for (int i = 0; i < U16(0x3c); i++)
            {
                long header = table + (long)i * U16(0x3a);
                // Elf64_Shdr: sh_name, sh_type (u32), sh_flags, sh_addr, sh_offset, sh_size (u64), sh_link, sh_info (u32), sh_addralign, sh_entsize (u64)
                Sections.Add(new Section(U32(header + 4), (long)U64(header + 24), (long)U64(header + 32), U32(header + 40), U64(header + 56)));
            }
        }

        public List<Section> Sections { get; } = new List<Section>();
        public ushort Machine => U16(0x12);

        public ushort U16(long at) => (ushort)(bytes[at] | bytes[at + 1] << 8);
        public uint U32(long at) => U16(at) | (uint)U16(at + 2) << 16;
        public ulong U64(long at) => U32(at) | (ulong)U32(at + 4) << 32;
        public void SetU16(long at, ushort value) { bytes[at] = (byte)value; bytes[at + 1] = (byte)(value >> 8); }

        public string String(Section table, uint offset)
        {
            long start = table.Offset + offset, end = start;
            while (bytes[end] != 0) end++;
            return Encoding.UTF8.GetString(bytes, (int)start, (int)(end - start));
        }
    }
}

/// <summary>The MSBuild task: writes a copy of each libLibTorchSharp.so, patched when the libstdc++ needs it, for the build
/// to copy into its output instead of the NuGet cache's original, which is only read.</summary>
public sealed class PatchLibTorchSharp : Microsoft.Build.Utilities.Task
{
    /// <summary>The originals, in the NuGet cache.</summary>
    [Required] public ITaskItem[] SourceFiles { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Where to write each copy (in the intermediate folder).</summary>
    [Required] public ITaskItem[] DestinationFiles { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The libstdc++.so.6 to check against; empty when the build found none.</summary>
    public string LibStdCxx { get; set; } = "";

    /// <inheritdoc />
    public override bool Execute()
    {
        if (SourceFiles.Length != DestinationFiles.Length)
        {
            Log.LogError($"MlNetVae.TorchSharp: {SourceFiles.Length} source files but {DestinationFiles.Length} destinations");
            return false;
        }
        byte[]? system = LibStdCxx.Length > 0 ? File.ReadAllBytes(LibStdCxx) : null;
        if (system == null)
            Log.LogWarning("MlNetVae.TorchSharp: could not find the libstdc++.so.6 this process loaded, so libLibTorchSharp.so was not checked; set " +
                "the property MlNetVaeLibStdCxx to its path");
        for (int i = 0; i < SourceFiles.Length; i++)
        {
            string source = SourceFiles[i].ItemSpec, destination = Path.GetFullPath(DestinationFiles[i].ItemSpec);
            byte[] bytes = File.ReadAllBytes(source);
            string detail = "";
            switch (system == null ? LibStdCxxPatch.NotNeeded : LibStdCxxCompat.Patch(bytes, system, out detail))
            {
                case LibStdCxxPatch.NotNeeded:
                case LibStdCxxPatch.AlreadyPatched:
                    Log.LogMessage(MessageImportance.Low, $"MlNetVae.TorchSharp: {source} needs no patch for {LibStdCxx}");
                    break;
                case LibStdCxxPatch.Impossible:
                    Log.LogWarning($"MlNetVae.TorchSharp: {source} will not load with {LibStdCxx}: {detail}; TorchSharp needs a libstdc++ from GCC 12 " +
                        $"or later");
                    break;
                case LibStdCxxPatch.Patched:
                    Log.LogMessage(MessageImportance.High, $"MlNetVae.TorchSharp: patched {destination} to load with {LibStdCxx}, which lacks {detail} " +
                        $"(the version reference to {LibStdCxxCompat.IosBaseLibraryInit} is now weak)");
                    break;
            }
            Write(destination, bytes);
        }
        return !Log.HasLoggedErrors;
    }

    // The output folder's copy may be a hard link to this file (CreateHardLinksForCopyLocalIfPossible), and a reader
    // may have it open, so a new file is renamed over it rather than written in place.
    static void Write(string destination, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        string temporary = destination + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        if (File.Exists(destination)) File.Replace(temporary, destination, null);
        else File.Move(temporary, destination);
    }
}
