using NUnit.Framework;

// In the root namespace, so it runs after every test of the assembly (the ML tests use the CLI fixture too).
namespace MlNetVae.Tests;

/// <summary>Deletes the shared CLI fixture's files after the run.</summary>
[SetUpFixture]
public sealed class CliFixtureCleanup
{
    [OneTimeTearDown]
    public void Delete() => Cli.CliFixture.DisposeIfCreated();
}
