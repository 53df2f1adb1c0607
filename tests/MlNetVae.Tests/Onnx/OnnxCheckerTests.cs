using System.Diagnostics;
using MlNetVae.Onnx;
using NUnit.Framework;
using static MlNetVae.Tests.Onnx.OnnxTestModels;

namespace MlNetVae.Tests.Onnx;

/// <summary>The reference ONNX checker (Debian's python3-onnx 1.12, full check with shape inference) accepts every export.</summary>
public class OnnxCheckerTests
{
    private const string Python = "/usr/bin/python3";

    [Test]
    public void TheOnnxCheckerAcceptsEveryGraph()
    {
        var directory = Directory.CreateTempSubdirectory("mlnetvae-onnx-check").FullName;
        try
        {
            foreach (var kind in Enum.GetValues<Kind>())
                OnnxExport.SaveAll(Get(kind, trained: false).Model, Path.Combine(directory, kind.ToString()));
            var files = Directory.GetFiles(directory, "*.onnx", SearchOption.AllDirectories);
            Assert.That(files, Has.Length.EqualTo(9));
            const string script = "import sys, onnx\n" +
                "for f in sys.argv[1:]:\n" +
                "    m = onnx.load(f)\n" +
                "    onnx.checker.check_model(m, full_check=True)\n" +
                "    print('ok', onnx.__version__, f)\n";
            var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(script);
            foreach (var f in files) start.ArgumentList.Add(f);
            using var process = Process.Start(start)!;
            string output = process.StandardOutput.ReadToEnd(), errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            TestContext.Out.WriteLine(output + errors);
            Assert.That(process.ExitCode, Is.Zero, errors);
            Assert.That(output.Split('\n').Count(l => l.StartsWith("ok 1.12")), Is.EqualTo(9));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
