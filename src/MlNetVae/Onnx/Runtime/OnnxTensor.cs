namespace MlNetVae.Onnx.Runtime;

/// <summary>A named float32 tensor passed to or returned by <see cref="OnnxRuntimeSession.Run"/>.</summary>
/// <param name="Name">The graph input or output name.</param>
/// <param name="Data">The elements, row-major; its length is the product of <paramref name="Shape"/>.</param>
/// <param name="Shape">The dimensions, outermost first.</param>
public sealed record OnnxTensor(string Name, float[] Data, long[] Shape);
