using System.Text;
using MlNetVae.Graph;
using MlNetVae.Inference;
using MlNetVae.Spec;

namespace MlNetVae.Benchmarks;

/// <summary>
/// The anomaly harness's <c>--dump</c>: a trained model's per-row outputs on its training and test rows, as NumPy .npy
/// files (float32, row-major) for offline analysis of candidate scores: {train,test}_{x,mean,logvar,recon}.npy (rows,
/// posterior means and log-variances, reconstructions in raw units), test_anomalous.npy, and the model's state dict
/// tensors the scores read (input.mean, input.scale, the likelihood's per-pixel log-variance) as state_*.npy. The
/// explain harness's <c>--dump</c> writes its rows' outputs with <see cref="Outputs"/>.
/// </summary>
internal static class RowDump
{
    public static void Write(string folder, VaeModelParameters model, float[] train, float[] test, bool[] anomalous)
    {
        Directory.CreateDirectory(folder);
        foreach (var (part, rows) in new[] { ("train", train), ("test", test) })
        {
            int n = rows.Length / model.Features;
            var buffers = Run(model, rows, [VaeOutput.LatentMean, VaeOutput.LatentLogVar, VaeOutput.Reconstruction]);
            Npy(Path.Combine(folder, $"{part}_x.npy"), rows, [n, model.Features]);
            Npy(Path.Combine(folder, $"{part}_mean.npy"), buffers.For(VaeOutput.LatentMean), [n, model.LatentSize]);
            Npy(Path.Combine(folder, $"{part}_logvar.npy"), buffers.For(VaeOutput.LatentLogVar), [n, model.LatentSize]);
            Npy(Path.Combine(folder, $"{part}_recon.npy"), buffers.For(VaeOutput.Reconstruction), [n, model.Features]);
        }
        Npy(Path.Combine(folder, "test_anomalous.npy"), anomalous.Select(a => a ? 1f : 0f).ToArray(), [anomalous.Length]);
        foreach (var t in model.Spec.Tensors.Where(t => t.Role == TensorRole.Buffer || t.Name.StartsWith("likelihood.", StringComparison.Ordinal)))
            Npy(Path.Combine(folder, $"state_{t.Name}.npy"), model.SharedState[t.Name].Data, t.Shape);
    }

    /// <summary>
    /// For issue 21's offline study of anomaly maps: <paramref name="rows"/> and the model's outputs on them as
    /// {part}_{x,recon,d2}.npy (reconstructions in raw units, d2 the squared latent Mahalanobis distance).
    /// </summary>
    public static void Outputs(string folder, string part, AnomalyScorer scorer, float[] rows)
    {
        Directory.CreateDirectory(folder);
        var model = scorer.Model;
        int n = rows.Length / model.Features;
        var buffers = Run(model, rows, [VaeOutput.Reconstruction]);
        Npy(Path.Combine(folder, $"{part}_x.npy"), rows, [n, model.Features]);
        Npy(Path.Combine(folder, $"{part}_recon.npy"), buffers.For(VaeOutput.Reconstruction), [n, model.Features]);
        Npy(Path.Combine(folder, $"{part}_d2.npy"), scorer.Score(rows, AnomalyScore.LatentMahalanobis).Select(v => (float)v).ToArray(), [n]);
    }

    /// <summary>The model's <paramref name="outputs"/> on <paramref name="rows"/> (flat [rows, D], raw units).</summary>
    private static ScorerBuffers Run(VaeModelParameters model, float[] rows, VaeOutput[] outputs)
    {
        int n = rows.Length / model.Features;
        var buffers = new ScorerBuffers(model, n, outputs);
        new ManagedRunner(model, MlNetVae.Engine.Compute.Default).Score(rows, n, null, buffers);
        return buffers;
    }

    /// <summary>Writes <paramref name="data"/> as a float32 .npy array of <paramref name="shape"/>.</summary>
    public static void Npy(string path, float[] data, int[] shape)
    {
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({string.Join(", ", shape)}{(shape.Length == 1 ? "," : "")}), }}";
        header = header.PadRight((header.Length + 11 + 63) / 64 * 64 - 11) + "\n"; // magic, version and length take 10 bytes: data starts 64-aligned
        using var file = File.Create(path);
        file.Write([0x93, .. "NUMPY"u8, 1, 0]);
        file.Write(BitConverter.GetBytes((ushort)header.Length));
        file.Write(Encoding.ASCII.GetBytes(header));
        file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
    }
}
