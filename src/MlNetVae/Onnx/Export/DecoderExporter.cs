using MlNetVae.Onnx.Proto;
using MlNetVae.Vae;

namespace MlNetVae.Onnx.Export;

/// <summary>decoder.onnx: latent [batch, K] -> reconstruction [batch, D], the likelihood's mean in raw feature units.</summary>
internal static class DecoderExporter
{
    public static ModelProto Build(VaeModel model)
    {
        var g = new GraphBuilder("decoder");
        var output = VaeGraph.Mlp(g, model.Decoder, g.Input(OnnxNames.Latent, model.LatentSize));
        VaeGraph.RawMean(g, model, output, OnnxNames.Reconstruction);
        g.Output(OnnxNames.Reconstruction, model.Features);
        return g.Build(Metadata.ProducerVersion, Metadata.For(model, "decoder"));
    }
}
