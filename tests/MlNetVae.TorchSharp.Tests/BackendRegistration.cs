using NUnit.Framework;

namespace MlNetVae.TorchSharp.Tests;

/// <summary>The tests train with <c>Backend = "torchsharp"</c>, as an app does after registering the backend once at start-up.</summary>
[SetUpFixture]
public sealed class BackendRegistration
{
    [OneTimeSetUp]
    public void Register() => TorchSharpBackend.Register();
}
