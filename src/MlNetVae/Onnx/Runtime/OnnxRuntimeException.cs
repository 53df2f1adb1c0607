namespace MlNetVae.Onnx.Runtime;

/// <summary>ONNX Runtime reported an error; the message is ONNX Runtime's own.</summary>
public sealed class OnnxRuntimeException : Exception
{
    /// <summary>Creates the exception from ORT's error code and message.</summary>
    public OnnxRuntimeException(int errorCode, string message) : base($"ONNX Runtime error {errorCode}: {message}") => ErrorCode = errorCode;

    /// <summary>ORT's OrtErrorCode (1 = fail, 2 = invalid argument, 7 = invalid protobuf, 10 = invalid graph, ...).</summary>
    public int ErrorCode { get; }
}
