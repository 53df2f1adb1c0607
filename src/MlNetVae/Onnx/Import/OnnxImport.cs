using MlNetVae.Vae;

namespace MlNetVae.Onnx;

/// <summary>
/// Rebuilds a model from its exported scorer.onnx, the one graph that holds every parameter and the preprocessing
/// (encoder.onnx and decoder.onnx each hold half). The managed results of the rebuilt model are identical to the
/// original's. Anything unknown or malformed is rejected with an <see cref="InvalidDataException"/> naming it.
/// </summary>
public static class OnnxImport
{
    /// <summary>Loads scorer.onnx from a file.</summary>
    /// <exception cref="InvalidDataException">The file is not a scorer.onnx this library wrote, or it was modified.</exception>
    public static VaeModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        long length = new FileInfo(path).Length;
        if (length > Array.MaxLength) throw new InvalidDataException($"{path}: {length} bytes is larger than any model this library writes");
        return Load(File.ReadAllBytes(path));
    }

    /// <summary>Loads scorer.onnx from its bytes.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a scorer.onnx this library wrote, or were modified.</exception>
    public static VaeModel Load(byte[] scorer)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        try
        {
            return Import.ScorerLoader.Load(scorer);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"scorer.onnx: {e.Message}", e);
        }
    }
}
