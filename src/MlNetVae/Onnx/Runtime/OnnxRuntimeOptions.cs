namespace MlNetVae.Onnx.Runtime;

/// <summary>How an ONNX Runtime session runs.</summary>
/// <param name="IntraOpThreads">Threads inside one operator (a Gemm, say); 0 lets ONNX Runtime choose (all cores).</param>
/// <param name="InterOpThreads">Threads running independent operators at once; 0 lets ONNX Runtime choose.</param>
/// <param name="UseCuda">Append the CUDA execution provider when its library sits beside ONNX Runtime's; otherwise (or if
/// it fails to start) the session runs on the CPU and <see cref="OnnxRuntimeSession.ProviderNote"/> says why.</param>
public sealed record OnnxRuntimeOptions(int IntraOpThreads = 0, int InterOpThreads = 0, bool UseCuda = true);
