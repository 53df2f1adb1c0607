using NUnit.Framework;
namespace MlNetVae.TorchSharp.Tests.Build;

/// <summary>The decision and the byte edit, on TorchSharp's real libLibTorchSharp.so against fake libstdc++ builds of
/// GCC 11, 12 and 14 and against this machine's own, each result checked with readelf.</summary>
public sealed class LibStdCxxCompatTests
{
    private string directory = "";

    [SetUp]
    public void CreateDirectory() => directory = Directory.CreateTempSubdirectory("mlnetvae-libstdcxx-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(directory, recursive: true);

    [Test]
    public void Defined_versions_match_readelf_on_this_machines_libstdcxx()
    {
        HashSet<string> defined = LibStdCxxCompat.DefinedVersions(File.ReadAllBytes(NativeFiles.SystemLibStdCxx));

        Assert.That(defined, Does.Contain("GLIBCXX_3.4.30").And.Contain("CXXABI_1.3.13"));
        Assert.That(defined.Contains(NativeFiles.Version), Is.EqualTo(NativeFiles.Defines(NativeFiles.SystemLibStdCxx, NativeFiles.Version)));
    }

    [Test]
    public void A_libstdcxx_that_has_GLIBCXX_3_4_32_leaves_the_library_alone()
    {
        string gcc14 = NativeFiles.FakeLibStdCxx(directory, glibcxx: 33, cxxabi: 15);
        byte[] original = File.ReadAllBytes(NativeFiles.PackageLibTorchSharp), bytes = (byte[])original.Clone();

        Assert.That(LibStdCxxCompat.Patch(bytes, File.ReadAllBytes(gcc14), out string detail), Is.EqualTo(LibStdCxxPatch.NotNeeded));
        Assert.That(detail, Is.Empty);
        Assert.That(bytes, Is.EqualTo(original));
    }

    [Test]
    public void Against_GCC_12s_libstdcxx_only_the_GLIBCXX_3_4_32_reference_is_weakened_and_a_second_pass_changes_nothing()
    {
        byte[] gcc12 = File.ReadAllBytes(NativeFiles.FakeLibStdCxx(directory, glibcxx: 30, cxxabi: 13));
        byte[] original = File.ReadAllBytes(NativeFiles.PackageLibTorchSharp), bytes = (byte[])original.Clone();

        Assert.That(LibStdCxxCompat.Patch(bytes, gcc12, out string detail), Is.EqualTo(LibStdCxxPatch.Patched));
        Assert.That(detail, Is.EqualTo(NativeFiles.Version));
        string patched = Path.Combine(directory, "libLibTorchSharp.so");
        File.WriteAllBytes(patched, bytes);
        Assert.That(NativeFiles.NeedFlags(patched, NativeFiles.Version), Is.EqualTo("WEAK"));
        Assert.That(NativeFiles.NeedFlags(patched, "GLIBCXX_3.4.30"), Is.EqualTo("none"));
        Assert.That(NativeFiles.DynamicSymbol(patched, LibStdCxxCompat.IosBaseLibraryInit), Is.EqualTo(LibStdCxxCompat.IosBaseLibraryInit));
        Assert.That(NativeFiles.DynamicSymbol(NativeFiles.PackageLibTorchSharp, LibStdCxxCompat.IosBaseLibraryInit),
            Is.EqualTo(LibStdCxxCompat.IosBaseLibraryInit + "@" + NativeFiles.Version));
        // Two 16-bit fields change: the reference's flags and the symbol's version index.
        Assert.That(Enumerable.Range(0, bytes.Length).Count(i => bytes[i] != original[i]), Is.InRange(1, 4));

        byte[] again = (byte[])bytes.Clone();
        Assert.That(LibStdCxxCompat.Patch(again, gcc12, out _), Is.EqualTo(LibStdCxxPatch.AlreadyPatched));
        Assert.That(again, Is.EqualTo(bytes));
    }

    [Test]
    public void Against_GCC_11s_libstdcxx_the_patch_is_refused_and_names_a_symbol_it_lacks()
    {
        byte[] gcc11 = File.ReadAllBytes(NativeFiles.FakeLibStdCxx(directory, glibcxx: 29, cxxabi: 13));
        byte[] original = File.ReadAllBytes(NativeFiles.PackageLibTorchSharp), bytes = (byte[])original.Clone();

        Assert.That(LibStdCxxCompat.Patch(bytes, gcc11, out string detail), Is.EqualTo(LibStdCxxPatch.Impossible));
        Assert.That(detail, Does.StartWith("it needs _Z").And.EndWith("at GLIBCXX_3.4.30"));
        Assert.That(bytes, Is.EqualTo(original));
    }

    [Test]
    public void Against_this_machines_libstdcxx_the_patch_is_applied_exactly_when_readelf_finds_no_GLIBCXX_3_4_32()
    {
        byte[] bytes = File.ReadAllBytes(NativeFiles.PackageLibTorchSharp);

        LibStdCxxPatch outcome = LibStdCxxCompat.Patch(bytes, File.ReadAllBytes(NativeFiles.SystemLibStdCxx), out _);

        Assert.That(outcome, Is.EqualTo(NativeFiles.PatchNeeded ? LibStdCxxPatch.Patched : LibStdCxxPatch.NotNeeded));
    }

    [Test]
    public void The_wrappers_dependency_libc10_initializes_the_standard_streams_so_the_weakened_reference_loses_nothing()
    {
        string native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");

        Assert.That(NativeFiles.Run("readelf", $"-d {Path.Combine(native, "libLibTorchSharp.so")}"), Does.Contain("Shared library: [libc10.so]"));
        Assert.That(NativeFiles.DynamicSymbol(Path.Combine(native, "libc10.so"), "_ZNSt8ios_base4InitC1Ev"), Does.StartWith("_ZNSt8ios_base4InitC1Ev@"),
            "libc10.so calls std::ios_base::Init::Init() from its static initializers");
    }

    [Test]
    public void A_file_that_is_not_elf64_is_rejected_with_a_plain_message()
    {
        byte[] text = "not a library"u8.ToArray();

        Assert.That(() => LibStdCxxCompat.DefinedVersions(text), Throws.InstanceOf<InvalidDataException>().With.Message.EqualTo("not an ELF file"));
    }
}
