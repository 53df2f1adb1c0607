using System.Security.Cryptography;

namespace MlNetVae.Cli;

/// <summary>The ECDSA P-256 keys of <c>train --sign-key</c> and <c>--verify-key</c>, read from PEM files as openssl writes them.</summary>
internal static class PemKey
{
    /// <summary>A PEM key file is a few hundred bytes; anything much larger is another kind of file.</summary>
    private const int MaxBytes = 64 << 10;

    /// <summary>
    /// Reads the key in <paramref name="path"/>, given with <paramref name="option"/>: for <paramref name="signing"/> a
    /// private key (<c>BEGIN PRIVATE KEY</c> or <c>BEGIN EC PRIVATE KEY</c>), else a public key (<c>BEGIN PUBLIC KEY</c>;
    /// a private key file holds its public key too). Any problem is a usage error naming the option and the file.
    /// </summary>
    public static ECDsa Read(string path, string option, bool signing)
    {
        if (!File.Exists(path)) throw new UsageException($"{option} {path}: file not found");
        if (new FileInfo(path).Length > MaxBytes) throw new UsageException($"{option} {path}: larger than any PEM key file ({MaxBytes >> 10} KiB); not a key");
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
            ModelFileSignature.CheckKey(key, signing);
            return key;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            string expected = signing
                ? "an ECDSA P-256 private key in PEM form (openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out private.pem)"
                : "an ECDSA P-256 public key in PEM form (openssl ec -in private.pem -pubout -out public.pem)";
            throw new UsageException($"{option} {path}: {(e is ArgumentException { ParamName: "key" } ? e.Message.Split(" (Parameter")[0] + "; " +
                "" : "")}expected {expected}");
        }
    }
}
