using MlNetVae.Onnx.Runtime;
using NUnit.Framework;

namespace MlNetVae.Tests.Onnx;

public class OnnxRuntimeLibraryTests
{
    [Test]
    public void AnOverridePathToAMissingFileGivesTheInstallMessage()
    {
        var e = Assert.Throws<DllNotFoundException>(() => OrtLibrary.Load("/nonexistent/libonnxruntime.so", OrtLibrary.Candidates(AppContext.BaseDirectory)));
        Assert.That(e!.Message, Does.Contain("MLNETVAE_ONNXRUNTIME").And.Contain("/nonexistent/libonnxruntime.so").And.Contain("does not exist")
            .And.Contain("NuGet package Microsoft.ML.OnnxRuntime"));
    }

    [Test]
    public void NothingFoundGivesTheInstallMessageAndWhereItLooked()
    {
        var e = Assert.Throws<DllNotFoundException>(() => OrtLibrary.Load(null, ["/nonexistent/a/libonnxruntime.so", "no-such-onnxruntime"]));
        Assert.That(e!.Message, Does.Contain("/nonexistent/a/libonnxruntime.so").And.Contain("no-such-onnxruntime").And.Contain("Microsoft.ML.OnnxRuntime"));
    }

    [Test]
    public void TheRepositoryCopyIsFoundFromTheTestFolderAndIsVersion130()
    {
        var (_, path) = OrtLibrary.Load(null, OrtLibrary.Candidates(AppContext.BaseDirectory));
        Assert.That(path, Does.Contain(".ort"));
        using var session = new OnnxRuntimeSession(MlNetVae.Onnx.OnnxExport.Encoder(OnnxTestModels.Get(OnnxTestModels.Kind.Bernoulli, false).Model), new(UseCuda: true));
        Assert.That(session.RuntimeVersion, Does.StartWith("1.30"));
        Assert.That(session.ExecutionProvider, Is.EqualTo("CPU"));
        Assert.That(session.ProviderNote, Does.Contain("CUDA"));
    }

    [Test]
    public unsafe void TheCudaEntryOfTheFunctionTableIsTheCudaProvider()
    {
        // The CPU-only library answers the CUDA call with an error naming CUDA: proof that index 152 is that function.
        var api = OrtEnvironment.Instance.Api;
        nint created = 0;
        api.Check(api.CreateSessionOptions(&created));
        nint options = created;
        var block = new byte[512];
        try
        {
            var e = Assert.Throws<OnnxRuntimeException>(() =>
            {
                fixed (byte* p = block) api.Check(api.AppendExecutionProviderCuda(options, p));
            });
            Assert.That(e!.Message, Does.Contain("AppendExecutionProvider_Cuda").IgnoreCase);
        }
        finally
        {
            api.ReleaseSessionOptions(options);
        }
    }

    [Test]
    public void OrtErrorsBecomeExceptionsWithOrtsMessage()
    {
        var e = Assert.Throws<OnnxRuntimeException>(() => new OnnxRuntimeSession([1, 2, 3, 4]));
        Assert.That(e!.Message, Does.StartWith("ONNX Runtime error"));
        Assert.That(e.Message.Length, Is.GreaterThan(30));
        TestContext.Out.WriteLine(e.Message);
    }
}
