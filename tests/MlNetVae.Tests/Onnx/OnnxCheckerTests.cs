using System.Diagnostics;
using MlNetVae.Graph;
using MlNetVae.Onnx;
using MlNetVae.Tests.Graph;
using MlNetVae.Tests.Scores;
using NUnit.Framework;

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
            int count = 0;
            void Write(string name, byte[] bytes)
            {
                File.WriteAllBytes(Path.Combine(directory, name + ".onnx"), bytes);
                count++;
            }
            foreach (var kind in Enum.GetValues<ModelKind>())
            {
                var (model, _) = TestModels.Get(kind, trained: false);
                Write($"{kind}-encoder", OnnxExport.Encoder(model));
                Write($"{kind}-decoder", OnnxExport.Decoder(model));
                var fitted = ScoreFormulaTests.Fitted(kind).Model;
                foreach (var score in ScoreFormulaTests.TableScores)
                    Write($"{kind}-scorer-{score}", OnnxExport.Scorer(fitted, new ScorerExportOptions(Score: score)));
                Write($"{kind}-scorer-threshold", OnnxExport.Scorer(model, new ScorerExportOptions(Threshold: 3.5f, NamePrefix: "vae_",
                    Metadata: new Dictionary<string, string> { ["mlnet.threshold"] = "3.5" })));
            }
            const string script = "import sys, onnx\n" +
                "for f in sys.argv[1:]:\n" +
                "    m = onnx.load(f)\n" +
                "    onnx.checker.check_model(m, full_check=True)\n" +
                "    print('ok', onnx.__version__, f)\n";
            // Started in '/', so that the repository's onnx/ folder cannot shadow the onnx package.
            var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(script);
            foreach (var f in Directory.GetFiles(directory, "*.onnx").Order()) start.ArgumentList.Add(f);
            using var process = Process.Start(start)!;
            var errors = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.That(process.ExitCode, Is.Zero, errors.Result);
            Assert.That(output.Split('\n').Count(l => l.StartsWith("ok 1.12")), Is.EqualTo(count), output);
            Assert.That(count, Is.EqualTo(3 * (3 + ScoreFormulaTests.TableScores.Length)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
