using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.Cli;
using MlNetVae.Cli.Data;
using MlNetVae.Cli.Output;
using MlNetVae.Spec;

namespace MlNetVae.TestWriter;

internal static class Modes
{
    public static int Usage()
    {
        Console.Error.WriteLine("usage: MlNetVae.TestWriter atomic-write PATH | dump MODEL.zip DATA.tsv | gpu MODEL.zip DATA.csv | fixture FOLDER");
        return 2;
    }

    /// <summary>Starts an atomic write and waits inside it to be killed (kill -9, SIGTERM, SIGINT).</summary>
    public static int AtomicWrite(string path)
    {
        AtomicFile.Write(path, stream =>
        {
            stream.Write("partial contents"u8);
            stream.Flush();
            Console.WriteLine("writing");
            Thread.Sleep(Timeout.Infinite);
        });
        return 3;
    }

    /// <summary>
    /// Reloads <paramref name="model"/> as a user would in a new process (no registration call), reads
    /// <paramref name="data"/> with a loader built from the model's saved input schema, and prints the transformed view.
    /// </summary>
    public static int Dump(string model, string data)
    {
        var ml = new MLContext(seed: 1);
        var pipeline = ml.Model.Load(model, out var inputSchema);
        var view = pipeline.Transform(ViewDump.LoadTsv(ml, data, inputSchema));
        Console.WriteLine(JsonSerializer.Serialize(ViewDump.Of(view)));
        return 0;
    }

    /// <summary>
    /// Reloads <paramref name="model"/> in this new process with mlContext.Model.Load and the one call that restores the
    /// VAE step, and prints its <see cref="PipelineBehaviour"/> on <paramref name="data"/> and the <paramref name="bad"/> files.
    /// </summary>
    public static int Restored(string model, string data, string[] bad)
    {
        var ml = new MLContext(seed: 1);
        var pipeline = ml.Model.RestoreVariationalAutoencoder(ml.Model.Load(model, out var inputSchema));
        Console.WriteLine(JsonSerializer.Serialize(PipelineBehaviour.Observe(pipeline, path => ViewDump.LoadTsv(ml, path, inputSchema), data, bad)));
        return 0;
    }

    /// <summary>
    /// Scores a CLI model's data with ONNX Runtime asked for CUDA device 0, through two transformers (the fallback
    /// notice must come once per process, to the MLContext's log, printed here), and with ONNX Runtime on the CPU.
    /// </summary>
    public static int Gpu(string model, string data)
    {
        var ml = new MLContext();
        ml.Log += (_, e) =>
        {
            if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning) Console.Error.WriteLine($"MLContext.Log warning: {e.RawMessage}");
        };
        var transformer = VaeTransformer.FindIn(ml.Model.RestoreVariationalAutoencoder(ml.Model.Load(model, out _)))!;
        var rows = Dataset.Open(data, null, null, null, ModelMetadata.Of(transformer).Csv).View;
        float[] Scores(Func<VaeOptions, VaeOptions> change) =>
            transformer.WithOptions(change).Transform(rows).GetColumn<float>(transformer.Options.ScoreColumnName).ToArray();
        var result = new Dictionary<string, float[]>
        {
            ["gpu"] = Scores(o => o with { Inference = InferenceEngine.OnnxRuntime, GpuDeviceId = 0 }),
            ["gpu_again"] = Scores(o => o with { Inference = InferenceEngine.OnnxRuntime, GpuDeviceId = 0 }),
            ["cpu"] = Scores(o => o with { Inference = InferenceEngine.OnnxRuntime }),
        };
        Console.WriteLine(JsonSerializer.Serialize(result.ToDictionary(p => p.Key, p => p.Value.Select(ViewDump.Number).ToArray())));
        return 0;
    }
}
