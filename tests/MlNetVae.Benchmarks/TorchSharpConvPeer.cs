using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MlNetVae.Benchmarks;

/// <summary>
/// TorchSharp's fastest CPU path for the default image model, for the throughput comparison only: the network of
/// <c>vae_fashion.py --conv</c> (Conv2d 1-32-64 k4 s2 p1, Linear 3136 -> 256 -> 16, latent 8, Linear 8 -> 256 -> 3136,
/// ConvTranspose2d 64-32-1, a learned log-variance per pixel, Adam 1e-3, batch 128) written with libtorch's own
/// <c>conv2d</c> / <c>conv_transpose2d</c> (oneDNN), where the TorchSharp backend writes its convolutions as unfold/fold
/// for parity with the managed engine. Data standardized as the PyTorch script does; the whole set lives in one tensor.
/// </summary>
internal static class TorchSharpConvPeer
{
    private const int Latent = 8, Hidden = 256, Batch = 128;

    /// <summary>Samples per second of one epoch over <paramref name="train"/> (Fashion-MNIST rows in [0, 1]).</summary>
    public static double SamplesPerSecond(float[] train, int threads, int seed)
    {
        torch.InitializeDeviceType(DeviceType.CPU);
        torch.set_num_threads(threads);
        torch.manual_seed(seed);
        int rows = train.Length / FashionMnist.Features;
        using var data = Standardized(train, rows);
        var ps = new[]
        {
            Uniform([32, 1, 4, 4], 16), Uniform([32], 16),          // encoder conv 1 -> 32
            Uniform([64, 32, 4, 4], 512), Uniform([64], 512),       // encoder conv 32 -> 64
            Uniform([Hidden, 3136], 3136), Uniform([Hidden], 3136), // encoder dense layer
            Uniform([2 * Latent, Hidden], Hidden), Uniform([2 * Latent], Hidden),
            Uniform([Hidden, Latent], Latent), Uniform([Hidden], Latent), // decoder dense layers
            Uniform([3136, Hidden], Hidden), Uniform([3136], Hidden),
            Uniform([64, 32, 4, 4], 512), Uniform([32], 512),       // decoder transposed conv 64 -> 32 (fan in: dim 1)
            Uniform([32, 1, 4, 4], 16), Uniform([1], 16),           // decoder transposed conv 32 -> 1
            torch.zeros(784),                                       // log-variance per pixel
        }.Select(t => nn.Parameter(t)).ToArray();
        var adam = optim.Adam(ps, lr: 1e-3);
        long[] s2 = [2, 2], p1 = [1, 1];
        var clock = Stopwatch.StartNew();
        using (var order = torch.randperm(rows))
            for (int start = 0; start < rows; start += Batch)
            {
                using var scope = NewDisposeScope();
                var x = data.index_select(0, order.narrow(0, start, Math.Min(Batch, rows - start)));
                adam.zero_grad();
                var h = F.relu(F.conv2d(x.view(-1, 1, 28, 28), ps[0], ps[1], strides: s2, padding: p1));
                h = F.relu(F.conv2d(h, ps[2], ps[3], strides: s2, padding: p1));
                var stats = F.linear(F.relu(F.linear(h.flatten(1), ps[4], ps[5])), ps[6], ps[7]);
                var (mu, logVar) = (stats.narrow(1, 0, Latent), stats.narrow(1, Latent, Latent));
                var z = mu + torch.randn_like(mu) * torch.exp(0.5 * logVar);
                var d = F.relu(F.linear(F.relu(F.linear(z, ps[8], ps[9])), ps[10], ps[11])).view(-1, 64, 7, 7);
                d = F.relu(F.conv_transpose2d(d, ps[12], ps[13], strides: s2, padding: p1));
                var output = F.conv_transpose2d(d, ps[14], ps[15], strides: s2, padding: p1).flatten(1);
                var nll = 0.5 * torch.sum(Math.Log(2 * Math.PI) + ps[16] + (x - output).pow(2) * torch.exp(-ps[16]));
                var kl = -0.5 * torch.sum(1 + logVar - mu.pow(2) - logVar.exp());
                ((nll + kl) / x.shape[0]).backward();
                adam.step();
            }
        return rows / clock.Elapsed.TotalSeconds;
    }

    // (x - mean) / std per pixel, std floored at a quarter of the pooled deviation, as vae_fashion.py --conv does.
    private static Tensor Standardized(float[] train, int rows)
    {
        using var scope = NewDisposeScope();
        var x = torch.tensor(train, [rows, FashionMnist.Features]);
        var center = x.mean([0]);
        var spread = x.std(0, unbiased: false);
        double floor = 0.25 * spread.pow(2).mean().sqrt().item<float>();
        spread = torch.where(spread > 1e-12, torch.clamp(spread, min: floor), torch.ones_like(spread));
        return ((x - center) / spread).MoveToOuterDisposeScope();
    }

    // PyTorch's default init, uniform in +-1/sqrt(fan in).
    private static Tensor Uniform(long[] shape, int fanIn) => (torch.rand(shape) * 2 - 1).mul_(1 / Math.Sqrt(fanIn));
}
