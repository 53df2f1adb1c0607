using Google.Protobuf;
using MlNetVae.Onnx;
using MlNetVae.Onnx.Proto;

namespace MlNetVae.Tests.Onnx;

/// <summary>Edits of an exported file, for the loader's tests.</summary>
internal static class OnnxFiles
{
    /// <summary>A changed copy of <paramref name="file"/> with a valid content hash, so the change reaches the deeper checks.</summary>
    public static byte[] Restamped(byte[] file, Action<ModelProto> change)
    {
        var m = ModelProto.Parser.ParseFrom(file);
        change(m);
        m.MetadataProps.Single(p => p.Key == Metadata.ContentHash).Value = Hashing.Placeholder;
        var bytes = m.ToByteArray();
        Hashing.Stamp(bytes);
        return bytes;
    }

    /// <summary>A changed copy whose content_hash still states the original's digits.</summary>
    public static byte[] Modified(byte[] file, Action<ModelProto> change)
    {
        var m = ModelProto.Parser.ParseFrom(file);
        change(m);
        return m.ToByteArray();
    }

    public static TensorProto Initializer(ModelProto m, string name) => m.Graph.Initializer.Single(t => t.Name == name);

    public static void SetMetadata(ModelProto m, string key, string value) => m.MetadataProps.Single(p => p.Key == key).Value = value;

    public static string GetMetadata(ModelProto m, string key) => m.MetadataProps.Single(p => p.Key == key).Value;
}
