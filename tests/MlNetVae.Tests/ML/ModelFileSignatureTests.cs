using System.Security.Cryptography;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.Cli;
using MlNetVae.Tests.Cli.Data;
using NUnit.Framework;

namespace MlNetVae.Tests.ML;

/// <summary>
/// The library's signing API, as a service uses it: sign a file <c>mlContext.Model.Save</c> wrote, verify it from the
/// open stream, then <c>mlContext.Model.Load</c> that stream; a file changed after signing, an unsigned one and another
/// key's are refused with one line before ML.NET (and ONNX Runtime) reads a byte of the model.
/// </summary>
public class ModelFileSignatureTests
{
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "reference", "fixtures-ml", "model.zip");

    /// <summary>The fixture's VAE saved by plain mlContext.Model.Save: no seal, no signature.</summary>
    private static string Saved(Files files)
    {
        var vae = ModelFile.Load(Fixture);
        var schema = new DataViewSchema.Builder();
        schema.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, vae.Model.Features));
        new MLContext().Model.Save(vae, schema.ToSchema(), files["model.zip"]);
        return files["model.zip"];
    }

    private static string Refusal(string path, ECDsa key)
    {
        using var file = File.OpenRead(path);
        var e = Assert.Throws<InvalidDataException>(() => ModelFileSignature.Verify(file, key))!;
        Assert.That(e.Message, Does.Not.Contain("\n"));
        return e.Message;
    }

    [Test]
    public void ASignedFileVerifiesFromTheStreamMlNetThenLoads()
    {
        using var files = new Files();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var publicKey = ECDsa.Create();
        publicKey.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        string path = Saved(files);
        Assert.That(Refusal(path, publicKey), Is.EqualTo($"{path}: the model file is not signed (it has no mlnetvae seal or signature); a signed model is required"));

        ModelFileSignature.Sign(path, key);
        using (var file = File.OpenRead(path))
        {
            ModelFileSignature.Verify(file, publicKey);
            Assert.That(file.Position, Is.Zero, "rewound for the loader");
            var model = new MLContext().Model.Load(file, out var schema);
            Assert.That(schema.Single().Name, Is.EqualTo("Features"));
            Assert.That(model, Is.Not.Null);
        }
        Assert.That(ModelFile.Load(path, publicKey).Threshold.Value, Is.EqualTo(ModelFile.Load(Fixture).Threshold.Value), "the CLI reads it too");
        Assert.That(Directory.GetFiles(files.Root, ".*"), Is.Empty, "signing leaves no temporary file");

        // Signing again (another key) replaces the signature: the first key no longer verifies it.
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        ModelFileSignature.Sign(path, other);
        Assert.That(Refusal(path, publicKey), Does.StartWith($"{path}: signed by another key (key id "));
        using (var file = File.OpenRead(path)) ModelFileSignature.Verify(file, other);
    }

    [Test]
    public void AnyChangedByteOfASignedFileIsRefusedWhoeverLoadsIt()
    {
        using var files = Files.InMemory();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string path = Saved(files);
        ModelFileSignature.Sign(path, key);
        var bytes = File.ReadAllBytes(path);
        var messages = new HashSet<string>();
        // Every byte of the comment (signature and seal) and a sample of the zip's.
        var positions = Enumerable.Range(bytes.Length - 300, 300).Concat(Enumerable.Range(0, 200).Select(i => i * (bytes.Length - 300) / 200));
        foreach (int i in positions)
        {
            bytes[i] ^= 0x20; // also turns a hex digit's case, which a lenient hex parser would take for the same value
            File.WriteAllBytes(files["changed.zip"], bytes);
            bytes[i] ^= 0x20;
            messages.Add(Refusal(files["changed.zip"], key).Split(" (")[0].Split(": ")[1]);
            Assert.Throws<InvalidDataException>(() => ModelFile.Load(files["changed.zip"]), $"byte {i}, no key: the seal");
        }
        TestContext.Out.WriteLine(string.Join("; ", messages));
    }

    [Test]
    public void KeysOffTheP256CurveOrWithoutAPrivatePartAreRefused()
    {
        using var files = new Files();
        string path = Saved(files);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.That(Assert.Throws<ArgumentException>(() => ModelFileSignature.Sign(path, p384))!.Message, Does.StartWith("model signatures use ECDSA on the P-256 curve; this key is a 384-bit key"));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var publicOnly = ECDsa.Create();
        publicOnly.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        Assert.That(Assert.Throws<ArgumentException>(() => ModelFileSignature.Sign(path, publicOnly))!.Message, Does.StartWith("signing needs the private key; this is a public key"));
        Assert.That(File.ReadAllBytes(path)[^2..], Is.EqualTo(new byte[2]), "the file is untouched: still no comment");
    }
}
