using System.Diagnostics;

namespace MlNetVae.ML;

/// <summary>
/// What <c>mlContext.Model.ConvertToOnnx</c> does with a pipeline holding the VAE. ML.NET converts only transformers
/// that implement its internal ICanSaveOnnx, which no outside assembly can; meeting one it cannot convert, it stops
/// there and writes a graph whose outputs are Identity copies of that step's inputs: a file that runs and computes
/// nothing. So the VAE refuses to be converted, with the export that works.
/// </summary>
internal static class OnnxConversion
{
    /// <summary>The class of ConvertToOnnx (Microsoft.ML.OnnxConverter); a test fails if a new ML.NET moves it.</summary>
    internal const string Converter = "Microsoft.ML.OnnxExportExtensions";

    internal const string Message = "mlContext.Model.ConvertToOnnx cannot convert the VariationalAutoencoder step (ML.NET converts only its own " +
        "transformers, and would write a graph that computes nothing); export the VAE's own scorer graph instead: " +
        "OnnxExport.Scorer(vaeTransformer.Model) or `mlnetvae export`, which ONNX Runtime runs and whose score output equals the Score column";

    /// <summary>Throws <see cref="NotSupportedException"/> when called under ConvertToOnnx, which transforms the data once before it converts.</summary>
    public static void Refuse()
    {
        foreach (var frame in new StackTrace(2, false).GetFrames())
            if (frame.GetMethod()?.DeclaringType?.FullName == Converter) throw new NotSupportedException(Message);
    }
}
