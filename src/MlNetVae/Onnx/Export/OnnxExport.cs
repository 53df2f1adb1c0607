using Google.Protobuf;
using MlNetVae.Onnx.Proto;
using MlNetVae.Vae;

namespace MlNetVae.Onnx;

/// <summary>
/// Writes a model as ONNX graphs (IR 8, opset 17) whose interface onnx/CONTRACT.md describes: each graph takes raw
/// features (standardization is inside), has a dynamic batch dimension, and carries metadata and a content hash.
/// </summary>
public static class OnnxExport
{
    /// <summary>encoder.onnx: features [batch, D] -> latent_mean, latent_log_var [batch, K].</summary>
    public static byte[] Encoder(VaeModel model) => Serialize(Export.EncoderExporter.Build(Checked(model)));

    /// <summary>decoder.onnx: latent [batch, K] -> reconstruction [batch, D] in raw feature units.</summary>
    public static byte[] Decoder(VaeModel model) => Serialize(Export.DecoderExporter.Build(Checked(model)));

    /// <summary>scorer.onnx: features [batch, D] -> score [batch, 1] (the default anomaly score), latent_mean, reconstruction, neg_elbo [batch, 1].</summary>
    public static byte[] Scorer(VaeModel model) => Serialize(Export.ScorerExporter.Build(Checked(model)));

    /// <summary>Writes encoder.onnx, decoder.onnx and scorer.onnx into <paramref name="directory"/> (created if missing).</summary>
    public static void SaveAll(VaeModel model, string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, OnnxNames.EncoderFile), Encoder(model));
        File.WriteAllBytes(Path.Combine(directory, OnnxNames.DecoderFile), Decoder(model));
        File.WriteAllBytes(Path.Combine(directory, OnnxNames.ScorerFile), Scorer(model));
    }

    /// <summary>The file's bytes with its content_hash stamped in.</summary>
    internal static byte[] Serialize(ModelProto model)
    {
        var bytes = model.ToByteArray();
        Hashing.Stamp(bytes);
        return bytes;
    }

    private static VaeModel Checked(VaeModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model;
    }
}
