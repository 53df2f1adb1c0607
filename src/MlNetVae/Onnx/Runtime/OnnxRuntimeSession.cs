using System.Runtime.InteropServices;
using System.Text;

namespace MlNetVae.Onnx.Runtime;

/// <summary>
/// An ONNX Runtime inference session over an in-memory model, run in-process through ORT's C API. Run is
/// thread-safe (ORT allows concurrent runs of one session); Dispose is not, and must come after the last run.
/// </summary>
public sealed unsafe class OnnxRuntimeSession : IDisposable
{
    private const int ElementFloat = 1;            // ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT
    private const int GraphOptimizationAll = 99;    // ORT_ENABLE_ALL

    private readonly OrtEnvironment _ort;
    private readonly Dictionary<string, nint> _names = [];   // UTF-8, NUL-terminated copies ORT reads by pointer
    private nint _session;

    /// <summary>
    /// Creates a session from the bytes of an ONNX model. Throws <see cref="DllNotFoundException"/> (with install help)
    /// when ONNX Runtime cannot be found and <see cref="OnnxRuntimeException"/> when it rejects the model.
    /// </summary>
    public OnnxRuntimeSession(byte[] model, OnnxRuntimeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new OnnxRuntimeOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.IntraOpThreads);
        ArgumentOutOfRangeException.ThrowIfNegative(options.InterOpThreads);
        _ort = OrtEnvironment.Instance;
        var api = _ort.Api;
        nint sessionOptions = 0;
        try
        {
            api.Check(api.CreateSessionOptions(&sessionOptions));
            api.Check(api.SetIntraOpNumThreads(sessionOptions, options.IntraOpThreads));
            api.Check(api.SetInterOpNumThreads(sessionOptions, options.InterOpThreads));
            api.Check(api.SetSessionGraphOptimizationLevel(sessionOptions, GraphOptimizationAll));
            (ExecutionProvider, ProviderNote) = options.UseCuda ? TryAppendCuda(sessionOptions) : ("CPU", null);
            nint session = 0;
            fixed (byte* bytes = model)
                api.Check(api.CreateSessionFromArray(_ort.Env, bytes, (nuint)model.Length, sessionOptions, &session));
            _session = session;
        }
        finally
        {
            if (sessionOptions != 0) api.ReleaseSessionOptions(sessionOptions);
        }
    }

    /// <summary>"CUDA" or "CPU": where the session runs.</summary>
    public string ExecutionProvider { get; }

    /// <summary>Why CUDA was not used although <see cref="OnnxRuntimeOptions.UseCuda"/> asked for it; null otherwise.</summary>
    public string? ProviderNote { get; }

    /// <summary>The ONNX Runtime version in use, e.g. "1.30.0".</summary>
    public string RuntimeVersion => _ort.Api.Version;

    /// <summary>Runs the model on float32 <paramref name="inputs"/> and returns the named float32 outputs with their shapes.</summary>
    public OnnxTensor[] Run(IReadOnlyList<OnnxTensor> inputs, IReadOnlyList<string> outputNames)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputNames);
        var handles = new GCHandle[inputs.Count];
        var inputNames = stackalloc nint[inputs.Count];
        var values = stackalloc nint[inputs.Count];
        new Span<nint>(values, inputs.Count).Clear();
        try
        {
            for (int i = 0; i < inputs.Count; i++)
            {
                var input = inputs[i] ?? throw new ArgumentException($"input {i} is null", nameof(inputs));
                long count = input.Shape.Aggregate(1L, (a, d) => d < 0 ? -1 : a * d);
                if (count != input.Data.Length)
                    throw new ArgumentException($"input '{input.Name}' has {input.Data.Length} values for shape [{string.Join(", ", input.Shape)}]", nameof(inputs));
                handles[i] = GCHandle.Alloc(input.Data, GCHandleType.Pinned);
                inputNames[i] = Name(input.Name);
                values[i] = CreateTensor((float*)handles[i].AddrOfPinnedObject(), input.Data.Length, input.Shape);
            }
            return RunValues(inputNames, values, inputs.Count, outputNames);
        }
        finally
        {
            for (int i = 0; i < inputs.Count; i++)
            {
                if (values[i] != 0) _ort.Api.ReleaseValue(values[i]);
                if (handles[i].IsAllocated) handles[i].Free();
            }
        }
    }

    /// <summary>Runs a one-input model on a [rows, cols] matrix lent from a span (no copy, no pinning handle).</summary>
    internal OnnxTensor[] RunMatrix(string inputName, ReadOnlySpan<float> data, int rows, int cols, IReadOnlyList<string> outputNames)
    {
        if ((long)rows * cols != data.Length) throw new ArgumentException($"{data.Length} values for a [{rows}, {cols}] input");
        nint name = Name(inputName), value = 0;
        fixed (float* pointer = data)
        {
            try
            {
                value = CreateTensor(pointer, data.Length, [rows, cols]);
                return RunValues(&name, &value, 1, outputNames);
            }
            finally
            {
                if (value != 0) _ort.Api.ReleaseValue(value);
            }
        }
    }

    /// <summary>Releases the native session.</summary>
    public void Dispose()
    {
        if (_session != 0) _ort.Api.ReleaseSession(_session);
        _session = 0;
        foreach (var name in _names.Values) Marshal.FreeCoTaskMem(name);
        _names.Clear();
    }

    private nint CreateTensor(float* data, int length, long[] shape)
    {
        nint value = 0;
        fixed (long* dims = shape)
            _ort.Api.Check(_ort.Api.CreateTensorWithDataAsOrtValue(_ort.CpuMemory, data, (nuint)(length * sizeof(float)), dims, (nuint)shape.Length, ElementFloat, &value));
        return value;
    }

    private OnnxTensor[] RunValues(nint* inputNames, nint* inputs, int inputCount, IReadOnlyList<string> outputNames)
    {
        ObjectDisposedException.ThrowIf(_session == 0, this);
        var api = _ort.Api;
        int n = outputNames.Count;
        var names = stackalloc nint[n];
        var outputs = stackalloc nint[n];
        for (int i = 0; i < n; i++) (names[i], outputs[i]) = (Name(outputNames[i]), 0);
        try
        {
            api.Check(api.Run(_session, 0, inputNames, inputs, (nuint)inputCount, names, (nuint)n, outputs));
            var result = new OnnxTensor[n];
            for (int i = 0; i < n; i++) result[i] = ReadFloatTensor(outputNames[i], outputs[i]);
            return result;
        }
        finally
        {
            for (int i = 0; i < n; i++)
                if (outputs[i] != 0) api.ReleaseValue(outputs[i]);
        }
    }

    private OnnxTensor ReadFloatTensor(string name, nint value)
    {
        var api = _ort.Api;
        nint info = 0;
        long[] shape;
        try
        {
            api.Check(api.GetTensorTypeAndShape(value, &info));
            int type;
            api.Check(api.GetTensorElementType(info, &type));
            if (type != ElementFloat) throw new NotSupportedException($"output '{name}' has ONNX element type {type}; only float32 (1) is supported");
            nuint rank;
            api.Check(api.GetDimensionsCount(info, &rank));
            shape = new long[(int)rank];
            fixed (long* dims = shape) api.Check(api.GetDimensions(info, dims, rank));
        }
        finally
        {
            if (info != 0) api.ReleaseTensorTypeAndShapeInfo(info);
        }
        long count = shape.Aggregate(1L, (a, d) => a * d);
        var data = new float[checked((int)count)];
        void* source;
        api.Check(api.GetTensorMutableData(value, &source));
        new ReadOnlySpan<float>(source, data.Length).CopyTo(data);
        return new OnnxTensor(name, data, shape);
    }

    private nint Name(string name)
    {
        lock (_names)
        {
            if (_names.TryGetValue(name, out var pointer)) return pointer;
            pointer = Marshal.StringToCoTaskMemUTF8(name);
            _names[name] = pointer;
            return pointer;
        }
    }

    /// <summary>Appends the CUDA execution provider when its library sits beside ORT's; otherwise says why not.</summary>
    private (string Provider, string? Note) TryAppendCuda(nint sessionOptions)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(_ort.LibraryPath)) ?? ".";
        string cuda = Path.Combine(directory, OrtLibrary.CudaProviderFileName);
        if (!File.Exists(cuda)) return ("CPU", $"CUDA execution provider not found ({cuda} does not exist): running on the CPU. Install the GPU build (NuGet Microsoft.ML.OnnxRuntime.Gpu) to use CUDA.");
        // OrtCUDAProviderOptions (the legacy struct): device_id, cudnn_conv_algo_search, gpu_mem_limit, arena_extend_strategy,
        // do_copy_in_default_stream, has_user_compute_stream, user_compute_stream, default_memory_arena_cfg, then fields later
        // versions appended, whose zero values are their defaults. A zeroed block larger than any version's struct keeps ORT
        // from reading past our memory.
        var block = stackalloc byte[512];
        new Span<byte>(block, 512).Clear();
        *(nuint*)(block + 8) = nuint.MaxValue;  // gpu_mem_limit: no limit
        *(int*)(block + 20) = 1;                // do_copy_in_default_stream
        try
        {
            _ort.Api.Check(_ort.Api.AppendExecutionProviderCuda(sessionOptions, block));
            return ("CUDA", null);
        }
        catch (OnnxRuntimeException e)
        {
            return ("CPU", $"CUDA execution provider could not start ({e.Message}): running on the CPU.");
        }
    }
}
