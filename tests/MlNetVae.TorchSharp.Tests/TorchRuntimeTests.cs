using MlNetVae.TorchSharp.Tests.Build;
using NUnit.Framework;
using TorchSharp;

namespace MlNetVae.TorchSharp.Tests;

/// <summary>Loading TorchSharp in this test process, from this project's build output, and the load-failure message.</summary>
public sealed class TorchRuntimeTests
{
    [Test]
    public void The_wrapper_in_use_is_this_outputs_copy_patched_exactly_when_this_machine_needs_it()
    {
        TorchRuntime.Initialize();

        string loaded = NativeFiles.Mapped(name => name == "libLibTorchSharp.so");
        Assert.That(loaded, Is.EqualTo(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so")));
        Assert.That(NativeFiles.NeedFlags(loaded, NativeFiles.Version), Is.EqualTo(NativeFiles.PatchNeeded ? "WEAK" : "none"));
        Assert.That(NativeFiles.NeedFlags(NativeFiles.PackageLibTorchSharp, NativeFiles.Version), Is.EqualTo("none"), "the NuGet cache's original is untouched");
    }

    [Test]
    public void Initialize_sets_libtorchs_thread_count_and_zero_keeps_it()
    {
        TorchRuntime.Initialize(threads: 1);
        Assert.That(torch.get_num_threads(), Is.EqualTo(1));

        TorchRuntime.Initialize();
        Assert.That(torch.get_num_threads(), Is.EqualTo(1));

        TorchRuntime.Initialize(threads: 2);
        Assert.That(torch.get_num_threads(), Is.EqualTo(2));
    }

    [Test]
    public void A_negative_thread_count_is_rejected_in_one_line()
    {
        Assert.That(() => TorchRuntime.Initialize(threads: -1), Throws.InstanceOf<ArgumentOutOfRangeException>()
            .With.Message.EqualTo("threads must be 0 (libtorch's default) or positive, not -1 (Parameter 'threads')"));
    }

    [Test]
    public void A_folder_without_the_wrapper_is_reported_with_the_package_to_reference()
    {
        string empty = Directory.CreateTempSubdirectory("mlnetvae-empty-").FullName;
        try
        {
            Assert.That(TorchRuntime.DescribeLoadFailure(empty), Is.EqualTo(
                $"TorchSharp's native wrapper libLibTorchSharp.so is not in {empty}: reference the NuGet package TorchSharp-cpu 0.107.0 from the application (MlNetVae.TorchSharp does) and rebuild it"));
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Test]
    public void The_unpatched_wrapper_is_reported_with_the_loaders_reason_and_the_fix_where_it_fails()
    {
        // The package folder in the NuGet cache is laid out like a portable build's output: runtimes/linux-x64/native/.
        string package = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(NativeFiles.PackageLibTorchSharp)!, "../../.."));

        string message = TorchRuntime.DescribeLoadFailure(package);

        Assert.That(message, Does.Not.Contain('\n'));
        if (NativeFiles.PatchNeeded)
            Assert.That(message, Does.StartWith($"TorchSharp could not load {NativeFiles.PackageLibTorchSharp}: ")
                .And.Contain($"version `{NativeFiles.Version}' not found")
                .And.Contain("build the application with a reference to MlNetVae.TorchSharp"));
        else
            Assert.That(message, Does.Contain("it loads on its own"));
    }
}
