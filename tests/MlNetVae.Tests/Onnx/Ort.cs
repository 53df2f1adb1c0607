using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MlNetVae.Tests.Onnx;

/// <summary>Real ONNX Runtime (CPU, one thread) on an exported graph.</summary>
internal sealed class Ort : IDisposable
{
    private readonly InferenceSession _session;

    public Ort(byte[] model)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        _session = new InferenceSession(model, options);
    }

    public InferenceSession Session => _session;

    /// <summary>Runs the graph on one input [rows, width] and returns the named outputs, flat, with their shapes.</summary>
    public Dictionary<string, (float[] Data, long[] Shape)> Run(string input, float[] values, int width, params string[] outputs)
    {
        var tensor = new DenseTensor<float>(values.ToArray(), [values.Length / width, width]);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(input, tensor)], outputs);
        return results.ToDictionary(r => r.Name, r => (r.AsTensor<float>().ToArray(), r.AsTensor<float>().Dimensions.ToArray().Select(d => (long)d).ToArray()));
    }

    /// <summary>A boolean output.</summary>
    public bool[] RunBool(string input, float[] values, int width, string output)
    {
        var tensor = new DenseTensor<float>(values.ToArray(), [values.Length / width, width]);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(input, tensor)], [output]);
        return results.Single().AsTensor<bool>().ToArray();
    }

    public void Dispose() => _session.Dispose();
}
