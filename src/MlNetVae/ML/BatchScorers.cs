using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Runtime;
using MlNetVae.Engine;
using MlNetVae.Inference;
using MlNetVae.Onnx;
using MlNetVae.Spec;

namespace MlNetVae.ML;

/// <summary>Computes the scorer's outputs for a batch of raw rows. One per cursor (not thread-safe).</summary>
internal interface IBatchScorer : IDisposable
{
    /// <summary>Fills <paramref name="destination"/>'s wanted outputs for <paramref name="rows"/> raw rows [rows, D].</summary>
    void Score(ReadOnlySpan<float> batch, int rows, ScorerBuffers destination);
}

/// <summary>The managed engine, forward only, in reused buffers.</summary>
internal sealed class ManagedBatchScorer(VaeModelParameters model, AnomalyScore score, Compute compute) : IBatchScorer
{
    private readonly ManagedRunner _runner = new(model, compute);

    public void Score(ReadOnlySpan<float> batch, int rows, ScorerBuffers destination) => _runner.Score(batch, rows, score, destination);

    public void Dispose() { }
}

/// <summary>
/// ONNX Runtime on the model's exported scorer graph, one Run per batch (ML.NET's ApplyOnnxModel runs one per row).
/// The session is shared by every cursor of a transformer: InferenceSession.Run is thread-safe.
/// </summary>
internal sealed class OnnxRuntimeBatchScorer(InferenceSession session, VaeModelParameters model) : IBatchScorer
{
    public void Score(ReadOnlySpan<float> batch, int rows, ScorerBuffers destination)
    {
        int d = model.Features;
        var input = new DenseTensor<float>(batch[..(rows * d)].ToArray(), [rows, d]);
        var outputs = destination.Computed;
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxNames.Features, input)], outputs.Select(o => o.OnnxName).ToArray());
        foreach (var output in outputs)
        {
            var tensor = results.First(r => r.Name == output.OnnxName).AsTensor<float>();
            var target = destination.For(output);
            int i = 0;
            foreach (float v in tensor) target[i++] = v;
        }
    }

    public void Dispose() { }

    /// <summary>
    /// A session on <paramref name="scorer"/>: CUDA on <paramref name="gpuDevice"/> when asked for and present, the CPU
    /// otherwise (saying so once, to <paramref name="host"/>'s log, when CUDA was asked for but could not be used).
    /// ONNX Runtime's own log is kept to errors, so nothing of it reaches a user's console unless something fails.
    /// </summary>
    public static InferenceSession CreateSession(byte[] scorer, int threads, int? gpuDevice, IHost? host)
    {
        var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        // A device that failed once is not tried again: each try makes ONNX Runtime log its own error line.
        if (gpuDevice is int device && !UnavailableDevices.ContainsKey(device))
        {
            try
            {
                options.AppendExecutionProvider_CUDA(device);
            }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                if (UnavailableDevices.TryAdd(device, true) && host is not null)
                {
                    using var channel = host.Start("ONNX Runtime");
                    channel.Warning(MessageSensitivity.None, $"CUDA device {device} is not available here ({FirstLine(e.Message)}); ONNX Runtime runs " +
                        $"on the CPU.");
                }
            }
        }
        return new InferenceSession(scorer, options);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> UnavailableDevices = new();

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
