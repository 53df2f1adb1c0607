using System.Runtime.InteropServices;

namespace MlNetVae.Onnx.Runtime;

/// <summary>
/// ONNX Runtime's C API: the OrtApi function table that OrtGetApiBase()->GetApi(version) returns, read by index
/// into unmanaged function pointers (no delegates, no marshalling stubs on the hot path). ORT only ever appends
/// to the table, so these indices, counted in onnxruntime_c_api.h, hold for every version at or above ours.
/// Every function returning OrtStatus* goes through <see cref="Check"/>, which turns a non-null status into an
/// <see cref="OnnxRuntimeException"/> carrying ORT's message and releases it.
/// </summary>
internal sealed unsafe class OrtApi
{
    /// <summary>ORT_API_VERSION of the onnxruntime_c_api.h we bind to (ONNX Runtime 1.30).</summary>
    public const uint ApiVersion = 30;

    // Positions in struct OrtApi.
    private const int GetErrorCodeIndex = 1, GetErrorMessageIndex = 2, CreateEnvIndex = 3, CreateSessionFromArrayIndex = 8,
        RunIndex = 9, CreateSessionOptionsIndex = 10, SetSessionGraphOptimizationLevelIndex = 23, SetIntraOpNumThreadsIndex = 24,
        SetInterOpNumThreadsIndex = 25, CreateTensorWithDataAsOrtValueIndex = 49, GetTensorMutableDataIndex = 51,
        GetTensorElementTypeIndex = 60, GetDimensionsCountIndex = 61, GetDimensionsIndex = 62, GetTensorTypeAndShapeIndex = 65,
        CreateCpuMemoryInfoIndex = 69, ReleaseEnvIndex = 92, ReleaseStatusIndex = 93,
        ReleaseSessionIndex = 95, ReleaseValueIndex = 96, ReleaseTensorTypeAndShapeInfoIndex = 99, ReleaseSessionOptionsIndex = 100,
        AppendExecutionProviderCudaIndex = 152;

    public readonly delegate* unmanaged<nint, int> GetErrorCode;
    public readonly delegate* unmanaged<nint, byte*> GetErrorMessage;
    public readonly delegate* unmanaged<int, byte*, nint*, nint> CreateEnv;
    public readonly delegate* unmanaged<nint, void*, nuint, nint, nint*, nint> CreateSessionFromArray;
    public readonly delegate* unmanaged<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint> Run;
    public readonly delegate* unmanaged<nint*, nint> CreateSessionOptions;
    public readonly delegate* unmanaged<nint, int, nint> SetSessionGraphOptimizationLevel;
    public readonly delegate* unmanaged<nint, int, nint> SetIntraOpNumThreads;
    public readonly delegate* unmanaged<nint, int, nint> SetInterOpNumThreads;
    public readonly delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint> CreateTensorWithDataAsOrtValue;
    public readonly delegate* unmanaged<nint, void**, nint> GetTensorMutableData;
    public readonly delegate* unmanaged<nint, int*, nint> GetTensorElementType;
    public readonly delegate* unmanaged<nint, nuint*, nint> GetDimensionsCount;
    public readonly delegate* unmanaged<nint, long*, nuint, nint> GetDimensions;
    public readonly delegate* unmanaged<nint, nint*, nint> GetTensorTypeAndShape;
    public readonly delegate* unmanaged<int, int, nint*, nint> CreateCpuMemoryInfo;
    public readonly delegate* unmanaged<nint, void> ReleaseEnv;
    public readonly delegate* unmanaged<nint, void> ReleaseStatus;
    public readonly delegate* unmanaged<nint, void> ReleaseSession;
    public readonly delegate* unmanaged<nint, void> ReleaseValue;
    public readonly delegate* unmanaged<nint, void> ReleaseTensorTypeAndShapeInfo;
    public readonly delegate* unmanaged<nint, void> ReleaseSessionOptions;
    public readonly delegate* unmanaged<nint, void*, nint> AppendExecutionProviderCuda;

    private OrtApi(void** table, string version)
    {
        Version = version;
        GetErrorCode = (delegate* unmanaged<nint, int>)table[GetErrorCodeIndex];
        GetErrorMessage = (delegate* unmanaged<nint, byte*>)table[GetErrorMessageIndex];
        CreateEnv = (delegate* unmanaged<int, byte*, nint*, nint>)table[CreateEnvIndex];
        CreateSessionFromArray = (delegate* unmanaged<nint, void*, nuint, nint, nint*, nint>)table[CreateSessionFromArrayIndex];
        Run = (delegate* unmanaged<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint>)table[RunIndex];
        CreateSessionOptions = (delegate* unmanaged<nint*, nint>)table[CreateSessionOptionsIndex];
        SetSessionGraphOptimizationLevel = (delegate* unmanaged<nint, int, nint>)table[SetSessionGraphOptimizationLevelIndex];
        SetIntraOpNumThreads = (delegate* unmanaged<nint, int, nint>)table[SetIntraOpNumThreadsIndex];
        SetInterOpNumThreads = (delegate* unmanaged<nint, int, nint>)table[SetInterOpNumThreadsIndex];
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint>)table[CreateTensorWithDataAsOrtValueIndex];
        GetTensorMutableData = (delegate* unmanaged<nint, void**, nint>)table[GetTensorMutableDataIndex];
        GetTensorElementType = (delegate* unmanaged<nint, int*, nint>)table[GetTensorElementTypeIndex];
        GetDimensionsCount = (delegate* unmanaged<nint, nuint*, nint>)table[GetDimensionsCountIndex];
        GetDimensions = (delegate* unmanaged<nint, long*, nuint, nint>)table[GetDimensionsIndex];
        GetTensorTypeAndShape = (delegate* unmanaged<nint, nint*, nint>)table[GetTensorTypeAndShapeIndex];
        CreateCpuMemoryInfo = (delegate* unmanaged<int, int, nint*, nint>)table[CreateCpuMemoryInfoIndex];
        ReleaseEnv = (delegate* unmanaged<nint, void>)table[ReleaseEnvIndex];
        ReleaseStatus = (delegate* unmanaged<nint, void>)table[ReleaseStatusIndex];
        ReleaseSession = (delegate* unmanaged<nint, void>)table[ReleaseSessionIndex];
        ReleaseValue = (delegate* unmanaged<nint, void>)table[ReleaseValueIndex];
        ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged<nint, void>)table[ReleaseTensorTypeAndShapeInfoIndex];
        ReleaseSessionOptions = (delegate* unmanaged<nint, void>)table[ReleaseSessionOptionsIndex];
        AppendExecutionProviderCuda = (delegate* unmanaged<nint, void*, nint>)table[AppendExecutionProviderCudaIndex];
    }

    /// <summary>ONNX Runtime's version string, e.g. "1.30.0".</summary>
    public string Version { get; }

    /// <summary>Reads the function table from a loaded library; throws when the library is too old for our API version.</summary>
    public static OrtApi FromLibrary(nint library, string path)
    {
        // struct OrtApiBase { const OrtApi* (*GetApi)(uint32_t); const char* (*GetVersionString)(void); }
        var getApiBase = (delegate* unmanaged<void**>)NativeLibrary.GetExport(library, "OrtGetApiBase");
        void** apiBase = getApiBase();
        var getApi = (delegate* unmanaged<uint, void**>)apiBase[0];
        var getVersion = (delegate* unmanaged<byte*>)apiBase[1];
        string version = Marshal.PtrToStringUTF8((nint)getVersion()) ?? "unknown";
        void** table = getApi(ApiVersion);
        if (table is null)
            throw new DllNotFoundException($"ONNX Runtime at '{path}' is version {version}, which lacks C API version {ApiVersion}. {OrtLibrary.InstallHelp}");
        return new OrtApi(table, version);
    }

    /// <summary>Throws ORT's error when <paramref name="status"/> is not null (success), releasing the status first.</summary>
    public void Check(nint status)
    {
        if (status == 0) return;
        int code = GetErrorCode(status);
        string message = Marshal.PtrToStringUTF8((nint)GetErrorMessage(status)) ?? "(no message)";
        ReleaseStatus(status);
        throw new OnnxRuntimeException(code, message);
    }
}
