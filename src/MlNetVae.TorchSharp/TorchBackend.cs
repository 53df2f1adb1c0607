using System.Runtime.InteropServices;
using MlNetVae.Backends;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetVae.TorchSharp;

/// <summary>
/// libtorch as a training backend: the spec's parameters as leaf tensors, its buffers as constants, the loss recorded
/// by the shared <see cref="Elbo.Record{T}"/> through <see cref="TorchOps"/>, libtorch's backward pass and
/// <c>torch.optim.Adam</c> with the managed engine's settings. Everything a step creates lives in one dispose scope.
/// </summary>
internal sealed class TorchBackend : ITrainingBackend
{
    private readonly VaeSpec _spec;
    private readonly Device _device;
    private readonly Dictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);
    private readonly List<Parameter> _parameters = [];
    private readonly TorchOps _ops;
    private readonly Adam _adam;
    private readonly float _freeBits;

    /// <summary>A backend on <paramref name="device"/> starting from <paramref name="initial"/>; libtorch must be loaded.</summary>
    public TorchBackend(VaeSpec spec, StateDict initial, VaeOptions options, Device device)
    {
        spec.Validate(initial);
        _spec = spec;
        _device = device;
        foreach (var t in spec.Tensors)
        {
            var value = tensor(initial[t.Name].Data, t.Shape.Select(d => (long)d).ToArray(), device: device); // copies
            if (t.Role == TensorRole.Parameter)
            {
                var p = nn.Parameter(value, requires_grad: true);
                _parameters.Add(p);
                _tensors[t.Name] = p;
            }
            else _tensors[t.Name] = value;
        }
        _ops = new TorchOps(_tensors);
        // The managed engine's Adam: the same settings, no weight decay, PyTorch's update.
        _adam = optim.Adam(_parameters, lr: options.LearningRate, beta1: SharedNumerics.AdamBeta1, beta2: SharedNumerics.AdamBeta2,
            eps: SharedNumerics.AdamEpsilon, weight_decay: 0);
        _freeBits = options.FreeBits;
    }

    /// <summary>Rows per forward pass when evaluating (validation): bounds device memory, whatever the row count.</summary>
    private const int EvaluateRows = 512;

    /// <summary>The device the tensors live on.</summary>
    public Device Device => _device;

    public StepResult Step(ReadOnlySpan<float> batch, ReadOnlySpan<float> noise, int rows, float klWeight, float learningRate)
    {
        using var scope = NewDisposeScope();
        foreach (var group in _adam.ParamGroups) group.LearningRate = learningRate; // as a PyTorch scheduler sets a group's lr
        _adam.zero_grad();
        var e = Elbo.Record(_ops, _spec, Upload(batch, rows, _spec.Features), Upload(noise, rows, _spec.LatentSize), klWeight, _freeBits);
        // One device-to-host transfer for the three numbers, which also decides whether to step.
        var terms = Download(cat([e.Loss.detach(), e.Reconstruction.detach().mean().view(1), e.Kl.detach().mean().view(1)]));
        float loss = terms[0];
        if (float.IsFinite(loss))
        {
            e.Loss.backward();
            _adam.step();
        }
        return new StepResult(loss, terms[1], terms[2]);
    }

    public void Evaluate(ReadOnlySpan<float> data, ReadOnlySpan<float> noise, int rows, Span<double> reconstruction, Span<double> kl)
    {
        int d = _spec.Features, k = _spec.LatentSize;
        using var noGrad = no_grad();
        for (int start = 0; start < rows; start += EvaluateRows)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(EvaluateRows, rows - start);
            var e = Elbo.Record(_ops, _spec, Upload(data.Slice(start * d, n * d), n, d), Upload(noise.Slice(start * k, n * k), n, k), 1f, 0f);
            var r = Download(e.Reconstruction);
            var q = Download(e.Kl);
            for (int i = 0; i < n; i++)
            {
                reconstruction[start + i] = r[i];
                kl[start + i] = q[i];
            }
        }
    }

    public StateDict State()
    {
        using var scope = NewDisposeScope();
        var state = new StateDict();
        foreach (var t in _spec.Tensors) state.Set(t.Name, t.Shape, Download(_tensors[t.Name].detach()).ToArray());
        return state;
    }

    public void Load(StateDict state)
    {
        _spec.Validate(state);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var t in _spec.Tensors)
            if (t.Role == TensorRole.Parameter)
                _tensors[t.Name].copy_(tensor(state[t.Name].Data, t.Shape.Select(d => (long)d).ToArray(), device: _device));
    }

    public void Dispose()
    {
        _adam.Dispose();
        foreach (var t in _tensors.Values) t.Dispose();
    }

    /// <summary>Raw values [rows, cols] as a tensor on the device, in the current dispose scope.</summary>
    private Tensor Upload(ReadOnlySpan<float> values, int rows, int cols)
    {
        var host = empty([rows, cols]); // (rows, cols), CPU
        values[..(rows * cols)].CopyTo(MemoryMarshal.Cast<byte, float>(host.bytes));
        return _device.type == DeviceType.CPU ? host : host.to(_device);
    }

    /// <summary>A tensor's values, read in place on the CPU (copied there first from another device); valid while the scope lives.</summary>
    private static ReadOnlySpan<float> Download(Tensor t)
    {
        var host = t.device_type == DeviceType.CPU ? t.contiguous() : t.cpu().contiguous();
        return MemoryMarshal.Cast<byte, float>(host.bytes);
    }
}
