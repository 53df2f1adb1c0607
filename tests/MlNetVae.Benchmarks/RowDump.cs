using System.Text;
using MlNetVae.Graph;
using MlNetVae.Inference;
using MlNetVae.Spec;

namespace MlNetVae.Benchmarks;

/// <summary>
/// The anomaly harness's <c>--dump</c>: a trained model's per-row outputs on its training and test rows, as NumPy .npy
/// files (float32, row-major) for offline analysis of candidate scores: {train,test}_{x,mean,logvar,recon}.npy (rows,
/// posterior means and log-variances, reconstructions in raw units), test_anomalous.npy, and the model's state dict
/// tensors the scores read (input.mean, input.scale, the likelihood's per-pixel log-variance) as state_*.npy.
/// </summary>
internal static class RowDump
{
    public static void Write(string folder, VaeModelParameters model, float[] train, float[] test, bool[] anomalous)
    {
        Directory.CreateDirectory(folder);
        foreach (var (part, rows) in new[] { ("train", train), ("test", test) })
        {
            int n = rows.Length / model.Features;
            var buffers = new ScorerBuffers(model, n, [VaeOutput.LatentMean, VaeOutput.LatentLogVar, VaeOutput.Reconstruction]);
            new ManagedRunner(model, MlNetVae.Engine.Compute.Default).Score(rows, n, null, buffers);
            Npy(Path.Combine(folder, $"{part}_x.npy"), rows, [n, model.Features]);
            Npy(Path.Combine(folder, $"{part}_mean.npy"), buffers.For(VaeOutput.LatentMean), [n, model.LatentSize]);
            Npy(Path.Combine(folder, $"{part}_logvar.npy"), buffers.For(VaeOutput.LatentLogVar), [n, model.LatentSize]);
            Npy(Path.Combine(folder, $"{part}_recon.npy"), buffers.For(VaeOutput.Reconstruction), [n, model.Features]);
        }
        Npy(Path.Combine(folder, "test_anomalous.npy"), anomalous.Select(a => a ? 1f : 0f).ToArray(), [anomalous.Length]);
        foreach (var t in model.Spec.Tensors.Where(t => t.Role == TensorRole.Buffer || t.Name.StartsWith("likelihood.", StringComparison.Ordinal)))
            Npy(Path.Combine(folder, $"state_{t.Name}.npy"), model.SharedState[t.Name].Data, t.Shape);
    }

    private static void Npy(string path, float[] data, int[] shape)
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
