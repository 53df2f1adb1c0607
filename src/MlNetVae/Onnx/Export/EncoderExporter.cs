using MlNetVae.Onnx.Proto;
using MlNetVae.Vae;

namespace MlNetVae.Onnx.Export;

/// <summary>encoder.onnx: features [batch, D] (raw units) -> latent_mean, latent_log_var [batch, K].</summary>
internal static class EncoderExporter
{
    public static ModelProto Build(VaeModel model)
    {
        var g = new GraphBuilder("encoder");
        var x = VaeGraph.Standardize(g, model, g.Input(OnnxNames.Features, model.Features));
        VaeGraph.Posterior(g, model, x, OnnxNames.LatentMean, OnnxNames.LatentLogVar);
        g.Output(OnnxNames.LatentMean, model.LatentSize);
        g.Output(OnnxNames.LatentLogVar, model.LatentSize);
        return g.Build(Metadata.ProducerVersion, Metadata.For(model, "encoder"));
    }
}
