using MlNetVae.Backends;
using MlNetVae.Spec;
using MlNetVae.Training;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetVae.TorchSharp.Tests;

/// <summary>How the core finds the backend, how devices and threads are chosen, and the backend's state dict.</summary>
public sealed class TorchSharpBackendFactoryTests
{
    [Test]
    public void Once_registered_the_backend_is_selected_by_its_name()
    {
        TorchSharpBackend.Register();
        var factory = BackendResolver.Resolve(new VaeOptions { Backend = "TorchSharp" });

        Assert.That(factory, Is.InstanceOf<TorchSharpBackendFactory>());
        Assert.That(factory.Name, Is.EqualTo(TorchSharpBackend.Name));
        Assert.That(TrainingBackends.Names, Does.Contain(TorchSharpBackend.Name));
    }

    [Test]
    public void A_backend_that_is_not_registered_is_one_clear_argument_error()
    {
        Assert.That(() => BackendResolver.Resolve(new VaeOptions { Backend = "nosuch" }),
            Throws.ArgumentException.With.Message.StartsWith("VaeOptions.Backend: no backend named 'nosuch' is registered"));
    }

    [Test]
    public void Auto_picks_torchsharp_only_where_cuda_is_available()
    {
        TorchSharpBackend.Register();
        bool gpu = cuda.is_available();

        Assert.That(new TorchSharpBackendFactory().HasAccelerator, Is.EqualTo(gpu));
        Assert.That(BackendResolver.Resolve(new VaeOptions()).Name, Is.EqualTo(gpu ? "torchsharp" : "managed"));
        Assert.That(BackendResolver.Resolve(new VaeOptions { Device = "cpu" }).Name, Is.EqualTo("managed"), "Auto on the CPU is the managed engine");
    }

    [TestCase("cuda")]
    [TestCase("cuda:0")]
    [TestCase("cuda:3")]
    public void Asking_for_cuda_without_a_gpu_is_one_clear_argument_error(string device)
    {
        Assume.That(cuda.is_available(), Is.False, "this checks a machine without CUDA");
        var m = SmallModels.Bernoulli();

        Assert.That(() => new TorchSharpBackendFactory().Create(m.Spec, m.Initial, m.Spec.Options with { Device = device }),
            Throws.ArgumentException.With.Property(nameof(ArgumentException.ParamName)).EqualTo("Device")
                .And.Message.StartsWith($"VaeOptions.Device: '{device}' was asked for, but no CUDA device is available here")
                .And.Message.Not.Contain("\n"));
    }

    [Test]
    public void A_cuda_device_with_the_automatic_backend_asks_for_torchsharp_and_gets_its_error()
    {
        Assume.That(cuda.is_available(), Is.False, "this checks a machine without CUDA");
        var m = SmallModels.Bernoulli();

        Assert.That(BackendResolver.Resolve(m.Spec.Options with { Device = "cuda" }).Name, Is.EqualTo("torchsharp"));
        var cudaSpec = VaeSpec.Resolve(m.Spec.Options with { Device = "cuda" }, m.Spec.Layout);
        Assert.That(() => VaeTrainer.Train(cudaSpec, m.Initial, m.Rows),
            Throws.ArgumentException.With.Message.StartsWith("VaeOptions.Device: 'cuda' was asked for, but no CUDA device is available here"));
    }

    [TestCase(null)]
    [TestCase("cpu")]
    public void Cpu_or_no_device_trains_on_the_cpu_here(string? device)
    {
        Assume.That(device == "cpu" || !cuda.is_available(), "without a device the backend prefers CUDA");
        var m = SmallModels.Bernoulli();

        using var backend = (TorchBackend)new TorchSharpBackendFactory().Create(m.Spec, m.Initial, m.Spec.Options with { Device = device });

        Assert.That(backend.Device.type, Is.EqualTo(DeviceType.CPU));
    }

    [Test]
    public void A_malformed_device_is_refused_naming_the_option()
    {
        var m = SmallModels.Bernoulli();

        Assert.That(() => new TorchSharpBackendFactory().Create(m.Spec, m.Initial, m.Spec.Options with { Device = "gpu" }),
            Throws.ArgumentException.With.Message.EqualTo("VaeOptions.Device: expected cpu, cuda or cuda:N, got 'gpu' (Parameter 'Device')"));
    }

    [TestCase(1)]
    [TestCase(0)]
    public void Threads_set_libtorchs_thread_count_and_zero_means_all_cores(int threads)
    {
        var m = SmallModels.Bernoulli();

        using var backend = new TorchSharpBackendFactory().Create(m.Spec, m.Initial, m.Spec.Options with { Threads = threads });

        Assert.That(torch.get_num_threads(), Is.EqualTo(threads > 0 ? threads : Environment.ProcessorCount));
    }

    [Test]
    public void State_is_the_initial_state_dict_and_load_restores_the_parameters_after_training()
    {
        // A fixed Gaussian variance is a buffer: it must come back untouched, like the standardization.
        var m = SmallModels.Gaussian();
        var spec = VaeSpec.Resolve(m.Spec.Options with { LearnGaussianVariance = false, GaussianLogVariance = -0.5f }, m.Spec.Layout);
        var initial = spec.Initialize(new FeatureStatistics(spec.Layout, m.Initial[VaeSpec.InputMean].Data, m.Initial[VaeSpec.InputScale].Data), 5);
        using var backend = new TorchSharpBackendFactory().Create(spec, initial, spec.Options);

        AssertSame(backend.State(), initial, spec);

        int d = spec.Features, k = spec.LatentSize, n = 16;
        var noise = new float[n * k];
        for (int step = 0; step < 5; step++) backend.Step(m.Rows.AsSpan(step * n * d, n * d), noise, n, 1f, spec.Options.LearningRate);
        var trained = backend.State();
        foreach (var t in spec.Tensors)
            Assert.That(trained[t.Name].Data, t.Role == TensorRole.Buffer ? Is.EqualTo(initial[t.Name].Data) : Is.Not.EqualTo(initial[t.Name].Data), t.Name);

        backend.Load(initial);
        AssertSame(backend.State(), initial, spec);
    }

    private static void AssertSame(StateDict actual, StateDict expected, VaeSpec spec)
    {
        Assert.That(actual.Names, Is.EqualTo(spec.Tensors.Select(t => t.Name)));
        foreach (var t in spec.Tensors)
        {
            Assert.That(actual[t.Name].Shape, Is.EqualTo(t.Shape), t.Name);
            Assert.That(actual[t.Name].Data, Is.EqualTo(expected[t.Name].Data), t.Name);
        }
    }
}
