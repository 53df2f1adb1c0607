using System.Security.Cryptography;
using System.Text;

namespace MlNetVae.Onnx;

/// <summary>
/// content_hash: the SHA-256 (lowercase hex) of the model file's bytes with the hash's own 64 digits read as '0's.
/// The exporter serializes with 64 '0's in place, hashes, and writes the digits over them (same length, so no other
/// byte moves); the loader zeroes them back and compares. Any changed byte anywhere in the file is caught.
/// </summary>
internal static class Hashing
{
    public const int Digits = 64;
    public static readonly string Placeholder = new('0', Digits);

    /// <summary>Writes the hash of <paramref name="file"/> over its placeholder, in place.</summary>
    public static void Stamp(byte[] file)
    {
        int at = Locate(file, Placeholder) ?? throw new InvalidOperationException("the serialized model has no content_hash placeholder");
        var digits = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData(file)));
        digits.CopyTo(file, at);
    }

    /// <summary>True when <paramref name="stated"/> (the file's content_hash value) is the hash of <paramref name="file"/>.</summary>
    public static bool Matches(byte[] file, string stated)
    {
        if (stated.Length != Digits || !stated.All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c))) return false;
        if (Locate(file, stated) is not int at) return false;
        var copy = (byte[])file.Clone();
        copy.AsSpan(at, Digits).Fill((byte)'0');
        return Convert.ToHexStringLower(SHA256.HashData(copy)) == stated;
    }

    /// <summary>
    /// Where the 64 digits of the content_hash entry start: the only occurrence of the serialized
    /// "key = content_hash, value = (64 bytes)" pair, or null when it is missing or not unique.
    /// </summary>
    private static int? Locate(byte[] file, string value)
    {
        // StringStringEntryProto: field 1 (tag 0x0A) key, field 2 (tag 0x12) value, each length-prefixed.
        var pattern = new List<byte> { 0x0A, (byte)Metadata.ContentHash.Length };
        pattern.AddRange(Encoding.ASCII.GetBytes(Metadata.ContentHash));
        pattern.AddRange([0x12, Digits]);
        pattern.AddRange(Encoding.ASCII.GetBytes(value));
        var span = file.AsSpan();
        int first = span.IndexOf(pattern.ToArray());
        if (first < 0 || span[(first + 1)..].IndexOf(pattern.ToArray()) >= 0) return null;
        return first + pattern.Count - Digits;
    }
}
