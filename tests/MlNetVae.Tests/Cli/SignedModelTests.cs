using System.Security.Cryptography;
using System.Text;
using MlNetVae.Cli;
using MlNetVae.Tests.Cli.Data;
using NUnit.Framework;

namespace MlNetVae.Tests.Cli;

/// <summary>
/// <c>train --sign-key</c> signs a model; every command that reads one, given <c>--verify-key</c>, accepts it only
/// with its signer's public key, and refuses, in one line and before anything in the file is parsed, a model signed
/// by another key, an unsigned one, one edited and re-sealed, and one carrying a signature moved from another model.
/// </summary>
public class SignedModelTests
{
    /// <summary>A new P-256 key pair written as openssl writes it: PKCS#8 private key, SubjectPublicKeyInfo public key.</summary>
    private sealed record Keys(string Private, string Public)
    {
        public static Keys Make(Files files, string name)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return new Keys(files.Write($"{name}-private.pem", key.ExportPkcs8PrivateKeyPem()), files.Write($"{name}-public.pem", key.ExportSubjectPublicKeyInfoPem()));
        }
    }

    private static string[] Train(CliFixture.Fixture f, string output, string? key, int seed = 1) =>
        ["train", "--data", f.TrainCsv, "--label-column", "label", "--out", output, "--seed", seed.ToString(), .. CliFixture.TinyTraining, .. key is null ? Array.Empty<string>() : ["--sign-key", key]];

    private static (int Code, string Err) Embed(CliFixture.Fixture f, Files files, string model, string publicKey)
    {
        var (code, _, err) = CliRunner.Run("embed", "--model", model, "--verify-key", publicKey, "--data", f.TestCsv, "--out", files["z.csv"]);
        return (code, err);
    }

    /// <summary>The seal recomputed over every byte before it: what anyone who edits a file can do.</summary>
    private static void Reseal(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int seal = bytes.AsSpan().LastIndexOf("mlnetvae-sha256:"u8);
        var hex = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan(0, seal))));
        hex.CopyTo(bytes, seal + 16);
        File.WriteAllBytes(path, bytes);
    }

    [Test]
    public void ASignedModelLoadsOnlyWithItsSignersKeyAndEveryForgeryIsRefusedInOneLine()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        var mine = Keys.Make(files, "mine");
        var theirs = Keys.Make(files, "theirs");
        string signed = files["signed.zip"], other = files["other.zip"], plain = files["plain.zip"];
        var (code, _, err) = CliRunner.Run(Train(f, signed, mine.Private));
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(err, Does.Contain($"saved {signed}, signed"));
        Assert.That(CliRunner.Run(Train(f, other, mine.Private, seed: 2)).Code, Is.EqualTo(0));
        Assert.That(CliRunner.Run(Train(f, plain, null)).Code, Is.EqualTo(0));

        Assert.That(Embed(f, files, signed, mine.Public), Is.EqualTo((0, $"embedded 30 rows into 2 dimensions: {files["z.csv"]}\n")));
        Assert.That(Embed(f, files, signed, mine.Private).Code, Is.EqualTo(0), "a private key file holds its public key");
        Assert.That(CliRunner.Run("embed", "--model", signed, "--data", f.TestCsv, "--out", files["z.csv"]).Code, Is.EqualTo(0), "without --verify-key the seal is checked, the signature is not needed");

        // Edited and re-sealed: one byte of the zip changed, the seal recomputed, the signature kept.
        File.Copy(signed, files["edited.zip"]);
        var bytes = File.ReadAllBytes(files["edited.zip"]);
        bytes[bytes.Length / 2] ^= 1;
        File.WriteAllBytes(files["edited.zip"], bytes);
        Reseal(files["edited.zip"]);
        // Moved: the other model's signature (same key) in this model's comment, sealed again.
        File.Copy(signed, files["moved.zip"]);
        bytes = File.ReadAllBytes(files["moved.zip"]);
        var theirSignature = File.ReadAllBytes(other).AsSpan()[^246..^80].ToArray();
        theirSignature.CopyTo(bytes, bytes.Length - 246);
        File.WriteAllBytes(files["moved.zip"], bytes);
        Reseal(files["moved.zip"]);

        var refusals = new (string Model, string Key, string Message)[]
        {
            (signed, theirs.Public, $"{signed}: signed by another key (key id "),
            (plain, mine.Public, $"{plain}: the model file is sealed but not signed; a signed model is required"),
            (files["edited.zip"], mine.Public, $"{files["edited.zip"]}: the signature does not match the file's contents (the model was changed and re-sealed after it was signed, or the signature was copied from another model)"),
            (files["moved.zip"], mine.Public, $"{files["moved.zip"]}: the signature does not match the file's contents"),
        };
        foreach (var (model, key, message) in refusals)
        {
            var (c, e) = Embed(f, files, model, key);
            Assert.That(c, Is.EqualTo(2), e);
            Assert.That(e.TrimEnd().Split('\n'), Has.Length.EqualTo(1), e);
            Assert.That(e, Does.StartWith("mlnetvae: error: " + message));
        }
        // Every command that reads a model takes --verify-key.
        foreach (var args in new[]
        {
            new[] { "score", "--data", f.TestCsv, "--out", files["s.csv"] }, ["reconstruct", "--data", f.TestCsv, "--out", files["r.csv"]],
            ["evaluate", "--data", f.TestCsv], ["export", "--out", files["onnx"]], ["sample", "--out", files["x.csv"]],
            ["report", "--data", f.TestCsv, "--out", files["report"]],
        })
        {
            Assert.That(CliRunner.Run([.. args, "--model", plain, "--verify-key", mine.Public]).Code, Is.EqualTo(2), args[0]);
            Assert.That(CliRunner.Run([.. args, "--model", signed, "--verify-key", mine.Public]).Code, Is.EqualTo(0), args[0]);
        }
    }

    [Test]
    public void KeysThatCannotSignOrVerifyAreRefusedBeforeTraining()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        var keys = Keys.Make(files, "k");
        using var rsa = RSA.Create(2048);
        string rsaKey = files.Write("rsa.pem", rsa.ExportPkcs8PrivateKeyPem());
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        string wrongCurve = files.Write("p384.pem", p384.ExportPkcs8PrivateKeyPem());
        var cases = new (string[] Args, string Message)[]
        {
            (Train(f, files["m.zip"], keys.Public), $"--sign-key {keys.Public}: signing needs the private key; this is a public key; expected an ECDSA P-256 private key in PEM form"),
            (Train(f, files["m.zip"], rsaKey), $"--sign-key {rsaKey}: expected an ECDSA P-256 private key in PEM form"),
            (Train(f, files["m.zip"], wrongCurve), $"--sign-key {wrongCurve}: model signatures use ECDSA on the P-256 curve; this key is a 384-bit key on "),
            (Train(f, files["m.zip"], files["none.pem"]), $"--sign-key {files["none.pem"]}: file not found"),
            (["embed", "--model", f.CsvModel, "--verify-key", f.TestCsv, "--data", f.TestCsv, "--out", files["z.csv"]], $"--verify-key {f.TestCsv}: expected an ECDSA P-256 public key in PEM form"),
        };
        foreach (var (args, message) in cases)
        {
            var (code, stdout, stderr) = CliRunner.Run(args);
            Assert.That(code, Is.EqualTo(2), stderr);
            Assert.That(stderr, Does.StartWith("mlnetvae: error: " + message).And.Not.Contain("epoch"), "refused before training");
            Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
            Assert.That(File.Exists(files["m.zip"]), Is.False);
        }
    }
}
