using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MlNetVae;

/// <summary>
/// Seals and signs model files: the zip <c>mlContext.Model.Save</c> writes, with a trailer in the zip's archive
/// comment, which ML.NET and zip tools ignore, so a sealed or signed file still loads with <c>mlContext.Model.Load</c>.
/// <list type="bullet">
/// <item>The seal, <c>mlnetvae-sha256:</c> and 64 hex digits, last in the comment: the SHA-256 of every byte before it.
/// It detects damage: a changed, lost or added byte anywhere. It is not a proof of origin: anyone who edits the file
/// can compute a new seal.</item>
/// <item>The signature, optional, before the seal and a space: <c>mlnetvae-ecdsa-p256:</c>, the signing key's id (16
/// hex digits: the first 8 bytes of the SHA-256 of its SubjectPublicKeyInfo), <c>:</c>, and an ECDSA P-256 / SHA-256
/// signature (128 hex digits, IEEE P1363) of <c>mlnetvae-model-v1</c>, the key id and the SHA-256 of every byte before
/// the comment (the zip's end record included). Only the private key's holder can make one that verifies with the
/// public key, so a service that checks it loads only the models that holder wrote: an edited file (even re-sealed),
/// a signature copied from another model, an unsigned file or another key's signature is refused.</item>
/// </list>
/// A service loading models from shared storage verifies before it loads, from the same open stream:
/// <code>
/// using var file = File.OpenRead("model.zip");
/// ModelFileSignature.Verify(file, publicKey);                   // throws InvalidDataException, one line
/// ITransformer model = mlContext.Model.Load(file, out var schema);
/// </code>
/// </summary>
public static class ModelFileSignature
{
    private const string SealPrefix = "mlnetvae-sha256:", SignaturePrefix = "mlnetvae-ecdsa-p256:";
    private const int EndRecord = 22; // the zip's end-of-central-directory record without its comment
    private const uint EndRecordMagic = 0x06054b50;
    private const int KeyIdBytes = 8, SignatureBytes = 64;
    private const int SealLength = 16 + 64;
    private const int SignedLength = SealLength + 1 + 20 + 2 * KeyIdBytes + 1 + 2 * SignatureBytes;
    private static readonly byte[] Domain = "mlnetvae-model-v1"u8.ToArray();

    /// <summary>How a model file ends: without a trailer (as ML.NET writes it), sealed, or sealed and signed.</summary>
    internal enum Trailer
    {
        None,
        Sealed,
        Signed,
    }

    /// <summary>
    /// Signs the model file at <paramref name="path"/> (written by <c>mlContext.Model.Save</c>, or already sealed or
    /// signed: the old trailer is replaced) with <paramref name="privateKey"/>, an ECDSA P-256 key with its private part
    /// (e.g. <c>ECDsa.Create()</c> then <c>ImportFromPem</c> of a PKCS#8 PEM file). The file is rewritten beside itself
    /// and renamed over the original, so a failure leaves the original.
    /// </summary>
    /// <exception cref="ArgumentException">The key is not a P-256 key, or has no private part.</exception>
    /// <exception cref="InvalidDataException">The file is not a zip as ML.NET writes it, or its seal is broken.</exception>
    public static void Sign(string path, ECDsa privateKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckKey(privateKey, signing: true);
        string temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var source = File.OpenRead(path))
            using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                var (end, _) = Read(source, path, null);
                source.Position = 0;
                Write(target, source, end, privateKey);
                target.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// Checks that <paramref name="model"/> (a seekable stream, read from its start to its end, then rewound to its
    /// start) is a model file whose seal holds and whose signature verifies with <paramref name="publicKey"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The key is not a P-256 key, or the stream cannot seek.</exception>
    /// <exception cref="InvalidDataException">Not signed, signed with another key, or changed since it was signed; the one-line message says which.</exception>
    public static void Verify(Stream model, ECDsa publicKey)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckKey(publicKey, signing: false);
        Check(model, (model as FileStream)?.Name ?? "the model file", publicKey);
    }

    /// <summary>
    /// Writes <paramref name="zip"/> (as <c>mlContext.Model.Save</c> wrote it: no archive comment) to
    /// <paramref name="destination"/> with the seal, and the signature when <paramref name="privateKey"/> is given.
    /// </summary>
    internal static void WriteSealed(Stream destination, byte[] zip, ECDsa? privateKey)
    {
        if (privateKey is not null) CheckKey(privateKey, signing: true);
        using var source = new MemoryStream(zip, writable: false);
        var (end, trailer) = Read(source, "the saved model", null);
        if (trailer != Trailer.None) throw new InvalidOperationException("ML.NET wrote a zip with an archive comment");
        source.Position = 0;
        Write(destination, source, end, privateKey);
    }

    /// <summary>
    /// Checks the file's trailer, streaming every byte: a seal must hold, and with <paramref name="publicKey"/> a
    /// signature must be there and verify. The stream is rewound to its start. Messages start with <paramref name="name"/>.
    /// </summary>
    /// <returns>Where the zip's end record ends, and what the file carries (<see cref="Trailer.None"/>: a zip as ML.NET writes it, whose entries'
    /// CRCs are all its integrity).</returns>
    internal static (long End, Trailer Trailer) Check(Stream file, string name, ECDsa? publicKey)
    {
        if (!file.CanSeek) throw new ArgumentException("the model stream must be seekable (it is read twice)", nameof(file));
        var result = Read(file, name, publicKey);
        file.Position = 0;
        return result;
    }

    /// <summary>
    /// Finds the end record of <paramref name="file"/> (the file's last 22 bytes plus a trailer of one of the two known
    /// lengths, or none) and checks the trailer: the seal's hash over every byte before it and, when
    /// <paramref name="publicKey"/> is given, the signature. Returns where the end record (and so the zip) ends.
    /// </summary>
    private static (long End, Trailer Trailer) Read(Stream file, string name, ECDsa? publicKey)
    {
        long length = file.Length;
        foreach (var (comment, kind) in new[] { (SignedLength, Trailer.Signed), (SealLength, Trailer.Sealed), (0, Trailer.None) })
        {
            long record = length - EndRecord - comment;
            if (record < 0) continue;
            var tail = new byte[EndRecord + comment];
            file.Position = record;
            file.ReadExactly(tail);
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail) != EndRecordMagic
                || BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(EndRecord - 2)) != comment) continue;
            string text = Encoding.ASCII.GetString(tail, EndRecord, comment);
            string signature = kind == Trailer.Signed ? text[..(comment - SealLength)] : "";
            if (kind != Trailer.None && !text[signature.Length..].StartsWith(SealPrefix, StringComparison.Ordinal)) continue;
            if (kind == Trailer.Signed && !(signature.StartsWith(SignaturePrefix, StringComparison.Ordinal) && signature[^1] == ' ')) continue;
            long end = record + EndRecord;
            if (kind == Trailer.None)
            {
                if (publicKey is not null) throw new InvalidDataException($"{name}: the model file is not signed (it has no mlnetvae seal or " +
                    $"signature); a signed model is required");
                return (end, kind);
            }
            var (zip, seal) = Hashes(file, end, Encoding.ASCII.GetBytes(signature));
            if (text[(signature.Length + SealPrefix.Length)..] != Convert.ToHexStringLower(seal))
                throw new InvalidDataException($"{name}: the file was changed or corrupted after it was written (its SHA-256 seal does not match)");
            if (publicKey is not null) CheckSignature(name, kind == Trailer.Signed ? signature[SignaturePrefix.Length..^1] : null, zip, publicKey);
            return (end, kind);
        }
        throw new InvalidDataException(length >= EndRecord && ZipEndAnywhereNearTheEnd(file, length)
            ? $"{name}: the zip's comment is damaged or not an mlnetvae seal (bytes were added, cut or changed at the end of the file)"
            : $"{name}: not a model file, or truncated (no zip end record where it belongs)");
    }

    /// <summary>True when an end record signature lies within the last 22 + 65,535 bytes: the zip's end is there, damaged.</summary>
    private static bool ZipEndAnywhereNearTheEnd(Stream file, long length)
    {
        long start = Math.Max(0, length - EndRecord - ushort.MaxValue);
        var tail = new byte[length - start];
        file.Position = start;
        file.ReadExactly(tail);
        return tail.AsSpan().IndexOf("PK\u0005\u0006"u8) >= 0;
    }

    /// <summary>Checks <paramref name="text"/>, the signature's key id and value (hex, <c>id:signature</c>), against the zip's hash.</summary>
    private static void CheckSignature(string name, string? text, byte[] zip, ECDsa publicKey)
    {
        if (text is null) throw new InvalidDataException($"{name}: the model file is sealed but not signed; a signed model is required");
        // The seal covers these characters already; lower-case hex of the right lengths keeps their meaning unique too.
        var parts = text.Split(':');
        if (parts.Length != 2 || parts[0].Length != 2 * KeyIdBytes || parts[1].Length != 2 * SignatureBytes || !text.Replace(":",
            "").All(char.IsAsciiHexDigitLower))
            throw new InvalidDataException($"{name}: the signature in the zip's comment is not readable");
        var expected = Convert.ToHexStringLower(KeyId(publicKey));
        if (parts[0] != expected)
            throw new InvalidDataException($"{name}: signed by another key (key id {parts[0]}), not by the given public key (key id {expected})");
        if (!publicKey.VerifyData(Message(Convert.FromHexString(parts[0]), zip), Convert.FromHexString(parts[1]), HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
            throw new InvalidDataException($"{name}: the signature does not match the file's contents (the model was changed and re-sealed after it " +
                $"was signed, or the signature was copied from another model)");
    }

    /// <summary>
    /// Copies the zip's first <paramref name="end"/> bytes with the new comment length, then writes the comment: the
    /// signature (with <paramref name="privateKey"/>) and the seal.
    /// </summary>
    private static void Write(Stream destination, Stream source, long end, ECDsa? privateKey)
    {
        int comment = privateKey is null ? SealLength : SignedLength;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        for (long left = end - 2; left > 0;)
        {
            int n = source.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n == 0) throw new EndOfStreamException("the model file ended while it was being copied");
            sha.AppendData(buffer, 0, n);
            destination.Write(buffer, 0, n);
            left -= n;
        }
        Span<byte> count = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(count, (ushort)comment);
        sha.AppendData(count);
        destination.Write(count);
        if (privateKey is not null)
        {
            var keyId = KeyId(privateKey);
            var signature = privateKey.SignData(Message(keyId, sha.GetCurrentHash()), HashAlgorithmName.SHA256,
                DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            var text = Encoding.ASCII.GetBytes($"{SignaturePrefix}{Convert.ToHexStringLower(keyId)}:{Convert.ToHexStringLower(signature)} ");
            sha.AppendData(text);
            destination.Write(text);
        }
        destination.Write(Encoding.ASCII.GetBytes(SealPrefix + Convert.ToHexStringLower(sha.GetHashAndReset())));
    }

    /// <summary>
    /// The SHA-256 of the stream's first <paramref name="end"/> bytes (what a signature signs) and of those bytes
    /// followed by <paramref name="signature"/> (what the seal states), in one streamed pass.
    /// </summary>
    private static (byte[] Zip, byte[] Seal) Hashes(Stream file, long end, byte[] signature)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        file.Position = 0;
        for (long left = end; left > 0;)
        {
            int n = file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n == 0) throw new EndOfStreamException("the model file ended while it was being hashed");
            sha.AppendData(buffer, 0, n);
            left -= n;
        }
        var zip = sha.GetCurrentHash();
        sha.AppendData(signature);
        return (zip, sha.GetHashAndReset());
    }

    /// <summary>What the signature signs: a domain tag (so no other protocol's signature of the same hash fits), the key id and the seal's hash.</summary>
    private static byte[] Message(byte[] keyId, byte[] hash) => [.. Domain, .. keyId, .. hash];

    /// <summary>The first 8 bytes of the SHA-256 of the key's SubjectPublicKeyInfo: names the key in messages.</summary>
    private static byte[] KeyId(ECDsa key) => SHA256.HashData(key.ExportSubjectPublicKeyInfo())[..KeyIdBytes];

    /// <summary>Refuses a key that is not on the P-256 curve, or (for <paramref name="signing"/>) has no private part.</summary>
    /// <exception cref="ArgumentException">The message says what the key is instead.</exception>
    internal static void CheckKey(ECDsa key, bool signing)
    {
        ArgumentNullException.ThrowIfNull(key);
        var curve = key.ExportParameters(false).Curve;
        if (!curve.IsNamed || curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"model signatures use ECDSA on the P-256 curve; this key is a " +
                $"{key.KeySize}-bit key on {curve.Oid?.FriendlyName ?? curve.Oid?.Value ?? "an explicit curve"}"), nameof(key));
        if (!signing) return;
        try
        {
            key.ExportParameters(true);
        }
        catch (CryptographicException)
        {
            throw new ArgumentException("signing needs the private key; this is a public key", nameof(key));
        }
    }
}
