namespace MlNetVae.Onnx.Runtime;

/// <summary>
/// The process-wide ONNX Runtime state: the loaded library's API, one OrtEnv and one CPU OrtMemoryInfo.
/// ORT wants a single environment per process that outlives every session, so these are created on first use
/// and deliberately never released (the process's exit frees them; releasing earlier would break live sessions).
/// </summary>
internal sealed unsafe class OrtEnvironment
{
    private const int LoggingLevelError = 3;       // ORT_LOGGING_LEVEL_ERROR: keep ORT's warnings off stderr
    private const int ArenaAllocator = 1, MemTypeDefault = 0;

    private static readonly Lazy<OrtEnvironment> Shared = new(Create);

    private OrtEnvironment(OrtApi api, string libraryPath, nint env, nint cpuMemory)
    {
        Api = api;
        LibraryPath = libraryPath;
        Env = env;
        CpuMemory = cpuMemory;
    }

    /// <summary>The environment, created (library loaded) on first use; throws <see cref="DllNotFoundException"/> with install help.</summary>
    public static OrtEnvironment Instance => Shared.Value;

    public OrtApi Api { get; }
    public string LibraryPath { get; }
    public nint Env { get; }

    /// <summary>Describes CPU memory we own and lend to ORT as input tensors.</summary>
    public nint CpuMemory { get; }

    private static OrtEnvironment Create()
    {
        var (library, path) = OrtLibrary.Load(Environment.GetEnvironmentVariable(OrtLibrary.PathVariable), OrtLibrary.Candidates(AppContext.BaseDirectory));
        var api = OrtApi.FromLibrary(library, path);
        nint env = 0, memory = 0;
        fixed (byte* logId = "MlNetVae"u8)
            api.Check(api.CreateEnv(LoggingLevelError, logId, &env));
        try
        {
            api.Check(api.CreateCpuMemoryInfo(ArenaAllocator, MemTypeDefault, &memory));
        }
        catch
        {
            api.ReleaseEnv(env);
            throw;
        }
        return new OrtEnvironment(api, path, env, memory);
    }
}
