using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetVae.TorchSharp.Tests;

/// <summary>libtorch actually computes: a linear layer's forward pass and gradients against the same formulas written
/// out in C# loops.</summary>
public sealed class LinearLayerTests
{
    private const int Batch = 4, In = 3, Out = 2;
    private static readonly float[] W = [0.5f, -1.25f, 2f, 0.75f, 0.1f, -0.6f];          // (Out, In)
    private static readonly float[] B = [0.3f, -0.2f];                                 // (Out)
    private static readonly float[] X = [1f, 2f, 3f, -1f, 0.5f, 0.25f, 0f, -2f, 4f, 1.5f, 1.5f, -0.5f];   // (Batch, In)
    private static readonly float[] T = [1f, 0f, -1f, 2f, 0.5f, 0.5f, 3f, -3f];         // (Batch, Out)

    [OneTimeSetUp]
    public void Load() => TorchRuntime.Initialize(threads: 1);

    [Test]
    public void Forward_and_backward_of_a_mean_squared_error_match_the_formulas()
    {
        using DisposeScope scope = NewDisposeScope();
        var linear = nn.Linear(In, Out);
        using (no_grad())
        {
            linear.weight!.copy_(tensor(W, [Out, In]));
            linear.bias!.copy_(tensor(B, [Out]));
        }
        Tensor x = tensor(X, [Batch, In], requires_grad: true);
        Tensor y = linear.forward(x);                                                 // (Batch, Out)
        Tensor loss = (y - tensor(T, [Batch, Out])).pow(2).mean();
        loss.backward();

        // y = x W^T + b; loss = mean((y - t)^2); dy = 2 (y - t) / (Batch Out); dW = dy^T x; db = sum_n dy; dx = dy W
        float[] yRef = new float[Batch * Out], dy = new float[Batch * Out];
        float lossRef = 0;
        for (int n = 0; n < Batch; n++)
            for (int o = 0; o < Out; o++)
            {
                float sum = B[o];
                for (int i = 0; i < In; i++) sum += X[n * In + i] * W[o * In + i];
                yRef[n * Out + o] = sum;
                float error = sum - T[n * Out + o];
                lossRef += error * error / (Batch * Out);
                dy[n * Out + o] = 2 * error / (Batch * Out);
            }
        float[] dW = new float[Out * In], db = new float[Out], dx = new float[Batch * In];
        for (int n = 0; n < Batch; n++)
            for (int o = 0; o < Out; o++)
            {
                db[o] += dy[n * Out + o];
                for (int i = 0; i < In; i++)
                {
                    dW[o * In + i] += dy[n * Out + o] * X[n * In + i];
                    dx[n * In + i] += dy[n * Out + o] * W[o * In + i];
                }
            }

        Assert.That(y.shape, Is.EqualTo(new long[] { Batch, Out }));
        Assert.That(y.data<float>().ToArray(), Is.EqualTo(yRef).Within(1e-5f));
        Assert.That(loss.item<float>(), Is.EqualTo(lossRef).Within(1e-5f));
        Assert.That(linear.weight!.grad!.data<float>().ToArray(), Is.EqualTo(dW).Within(1e-5f));
        Assert.That(linear.bias!.grad!.data<float>().ToArray(), Is.EqualTo(db).Within(1e-5f));
        Assert.That(x.grad!.data<float>().ToArray(), Is.EqualTo(dx).Within(1e-5f));
    }
}
