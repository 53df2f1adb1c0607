using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Onnx;
using MlNetVae.Graph;

namespace MlNetVae.ML;

/// <summary>
/// How a <see cref="VaeTransformer"/> is saved by <c>mlContext.Model.Save</c>. ML.NET lets no outside transformer write
/// its own state (ModelSaveContext's members are internal), so the transformer saves a chain of ML.NET's own saveable
/// transformers that computes the same columns, and that chain is what reloads, in any process, with no registration:
/// copy the feature column to <c>vae_features</c>; ONNX Runtime on the model's scorer graph (whose
/// outputs are <c>vae_</c>-prefixed; the graph carries the whole model, its threshold and its training history); per
/// single-valued output, a CustomMapping from this assembly turning the [1] output into a Single or Boolean (and
/// refusing a row whose features are not finite, as the fitted transformer does); copies to the
/// user's column names; and a drop of the <c>vae_</c> columns. Every step is derived from the output table
/// (<see cref="VaeOutput"/>). The reloaded chain runs ONNX Runtime row by row; <c>mlContext.Model.RestoreVariationalAutoencoder</c>
/// turns it back into the fitted <see cref="VaeTransformer"/> (<see cref="Restore"/>).
/// </summary>
internal static class SavedForm
{
    /// <summary>The prefix of every column the chain uses internally; user columns may not start with it.</summary>
    public const string Prefix = "vae_";

    /// <summary>The copy of the feature column the scorer reads.</summary>
    public const string Features = Prefix + OnnxNames.Features;

    /// <summary>Saves <paramref name="t"/> as its chain.</summary>
    /// <remarks>
    /// The chain's ONNX step reads the scorer graph from a file of ours, named .onnx and deleted once the chain is saved.
    /// Given the graph as a stream, ML.NET copies it to a temporary file it never deletes (every save left one behind), under
    /// <c>Path.GetRandomFileName()</c>, whose random extension is <c>.ort</c> one time in 32,768, and ONNX Runtime reads a
    /// .ort file as its own format and refuses it ("ORT model verification failed"). A process killed while it saves
    /// (kill -9) leaves its file; the next save removes such files once they are <see cref="StaleAfter"/> old, long after
    /// any save that could still be reading one.
    /// </remarks>
    public static void Save(VaeTransformer t, ModelSaveContext ctx)
    {
        string folder = Path.GetTempPath(), scorer = Path.Combine(folder, $"{ScorerFilePrefix}{Guid.NewGuid():N}.onnx");
        RemoveStale(folder);
        try
        {
            File.WriteAllBytes(scorer, t.ScorerOnnx(Prefix));
            var chain = Build(t, scorer);
            try
            {
                ((ICanSaveModel)chain).Save(ctx);
            }
            finally
            {
                (chain as IDisposable)?.Dispose();
            }
        }
        finally
        {
            File.Delete(scorer);
        }
    }

    private const string ScorerFilePrefix = "mlnetvae-scorer-";

    /// <summary>How old a scorer file must be for a later save to take it for one a killed process left.</summary>
    internal static readonly TimeSpan StaleAfter = TimeSpan.FromHours(1);

    private static void RemoveStale(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder, ScorerFilePrefix + "*.onnx"))
        {
            try
            {
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(file) > StaleAfter) File.Delete(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // another user's file, or one removed meanwhile: not ours to insist on
            }
        }
    }

    /// <summary>
    /// The chain for <paramref name="t"/>, fitted on a schema holding just its feature column, its ONNX step reading the
    /// scorer graph from <paramref name="scorerFile"/>.
    /// </summary>
    private static ITransformer Build(VaeTransformer t, string scorerFile)
    {
        var ml = new MLContext();
        var outputs = t.OutputColumns;
        // One flat chain (EstimatorChain.Append; the IEstimator extension would nest a chain per step).
        var chain = new EstimatorChain<ITransformer>()
            .Append<ITransformer>(ml.Transforms.CopyColumns(Features, t.Options.FeatureColumnName))
            .Append<ITransformer>(ml.Transforms.ApplyOnnxModel(outputs.Select(c => Prefix + c.Output.OnnxName).ToArray(), [Features],
                scorerFile));
        foreach (var c in outputs)
        {
            string source = Prefix + c.Output.OnnxName;
            chain = c.Output.Kind switch
            {
                OutputKind.Single => chain.Append<ITransformer>(ml.Transforms.CopyColumns(SingleFromVector.Input, source))
                    .Append<ITransformer>(ml.Transforms.CustomMapping(new SingleFromVector().GetMapping(), SingleFromVector.Contract))
                    .Append<ITransformer>(ml.Transforms.CopyColumns(c.Name, SingleFromVector.Output)),
                OutputKind.Flag => chain.Append<ITransformer>(ml.Transforms.CopyColumns(FlagFromVector.Input, source))
                    .Append<ITransformer>(ml.Transforms.CustomMapping(new FlagFromVector().GetMapping(), FlagFromVector.Contract))
                    .Append<ITransformer>(ml.Transforms.CopyColumns(c.Name, FlagFromVector.Output)),
                _ => chain.Append<ITransformer>(ml.Transforms.CopyColumns(c.Name, source)),
            };
        }
        chain = chain.Append<ITransformer>(ml.Transforms.DropColumns(Internal(t).ToArray()));

        var schema = new DataViewSchema.Builder();
        schema.AddColumn(t.Options.FeatureColumnName, new VectorDataViewType(NumberDataViewType.Single, t.Model.Features));
        return chain.Fit(new EmptyDataView(schema.ToSchema()));
    }

    /// <summary>
    /// <paramref name="model"/> with every VAE step that <c>mlContext.Model.Load</c> rebuilt as its saved chain replaced by
    /// the <see cref="VaeTransformer"/> it was saved from (read back from the scorer graph inside the chain, which carries
    /// the whole model); other transformers, and VAE steps that are already transformers, are kept as they are.
    /// </summary>
    public static ITransformer Restore(ITransformer model, Microsoft.ML.Runtime.IHostEnvironment? env)
    {
        var vaes = new Dictionary<OnnxTransformer, VaeTransformer>(ReferenceEqualityComparer.Instance);
        foreach (var onnx in Flatten(model).OfType<OnnxTransformer>())
            if (ScorerOf(onnx) is { } scorer) vaes[onnx] = VaeTransformer.FromScorer(scorer, env);
        return vaes.Count == 0 ? model : RestoreIn(model, vaes);
    }

    /// <summary>
    /// The saved chain of a VAE step is the chain that holds its scorer and, given just the feature column, adds exactly
    /// the step's columns. Saved forms of earlier versions nest their steps in chains, so the search goes from the outside
    /// in and stops at the first chain that acts as the step.
    /// </summary>
    private static ITransformer RestoreIn(ITransformer model, Dictionary<OnnxTransformer, VaeTransformer> vaes)
    {
        if (Chain(model) is not { } chain) return model;
        var inside = Flatten(model).OfType<OnnxTransformer>().Where(vaes.ContainsKey).ToArray();
        if (inside.Length == 0) return model;
        if (inside.Length == 1 && ActsAs(model, vaes[inside[0]])) return vaes[inside[0]];
        return Rebuild(model, chain, t => RestoreIn(t, vaes));
    }

    /// <summary>True when <paramref name="model"/>, given only <paramref name="vae"/>'s feature column, gives exactly its output schema.</summary>
    private static bool ActsAs(ITransformer model, VaeTransformer vae)
    {
        var input = new DataViewSchema.Builder();
        input.AddColumn(vae.Options.FeatureColumnName, new VectorDataViewType(NumberDataViewType.Single, vae.Model.Features));
        var schema = input.ToSchema();
        static IEnumerable<string> Visible(DataViewSchema s) => s.Where(c => !c.IsHidden).Select(c => $"{c.Name}:{c.Type}");
        try
        {
            return Visible(model.GetOutputSchema(schema)).SequenceEqual(Visible(vae.GetOutputSchema(schema)));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary><paramref name="model"/> with every <see cref="VaeTransformer"/> in it (at any depth of chains) replaced by <paramref
    /// name="change"/>'s result.</summary>
    public static ITransformer Replace(ITransformer model, Func<VaeTransformer, VaeTransformer> change) =>
        model is VaeTransformer vae ? change(vae) : Chain(model) is { } chain ? Rebuild(model, chain, t => Replace(t, change)) : model;

    /// <summary>The transformers of a <see cref="TransformerChain{TLastTransformer}"/> (of any last type), or null for another transformer.</summary>
    private static IReadOnlyList<ITransformer>? Chain(ITransformer model) =>
        model.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(TransformerChain<>)
            ? ((IEnumerable<ITransformer>)model).ToArray()
            : null;

    /// <summary>Every transformer of <paramref name="model"/>, chains opened, in order.</summary>
    private static IEnumerable<ITransformer> Flatten(ITransformer model) => Chain(model) is { } chain ? chain.SelectMany(Flatten) : [model];

    /// <summary>The chain <paramref name="model"/> (whose transformers are <paramref name="chain"/>) with each transformer mapped; itself when
    /// nothing changed.</summary>
    private static ITransformer Rebuild(ITransformer model, IReadOnlyList<ITransformer> chain, Func<ITransformer, ITransformer> map)
    {
        var parts = chain.Select(map).ToArray();
        return parts.Zip(chain).All(p => ReferenceEquals(p.First, p.Second)) ? model : new TransformerChain<ITransformer>(parts);
    }

    /// <summary>The scorer graph an OnnxTransformer runs when it is an MlNetVae scorer, else null.</summary>
    private static byte[]? ScorerOf(OnnxTransformer onnx)
    {
        // OnnxTransformer keeps its graph to itself; saving it is the public way to read it back.
        using var zip = new MemoryStream();
        new MLContext().Model.Save(onnx, null, zip);
        zip.Position = 0;
        using var archive = new System.IO.Compression.ZipArchive(zip);
        var entry = archive.Entries.SingleOrDefault(e => e.FullName.EndsWith("/OnnxModel", StringComparison.Ordinal));
        if (entry is null) return null;
        using var reader = new BinaryReader(entry.Open());
        var bytes = reader.ReadBytes(reader.ReadInt32()); // OnnxTransformer stores an int32 length and the graph
        return OnnxImport.IsOurs(bytes) ? bytes : null;
    }

    /// <summary>The <c>vae_</c> columns the chain made, which it drops at the end.</summary>
    private static IEnumerable<string> Internal(VaeTransformer t)
    {
        var names = new List<string> { Features };
        names.AddRange(t.OutputColumns.Select(c => Prefix + c.Output.OnnxName));
        if (t.OutputColumns.Any(c => c.Output.Kind == OutputKind.Single)) names.AddRange([SingleFromVector.Input, SingleFromVector.Output]);
        if (t.OutputColumns.Any(c => c.Output.Kind == OutputKind.Flag)) names.AddRange([FlagFromVector.Input, FlagFromVector.Output]);
        return names;
    }

    /// <summary>A data view with a schema and no rows: enough to fit the chain, which learns nothing from data.</summary>
    private sealed class EmptyDataView(DataViewSchema schema) : IDataView
    {
        public DataViewSchema Schema => schema;
        public bool CanShuffle => true;
        public long? GetRowCount() => 0;
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(schema);
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(schema)];

        private sealed class Cursor(DataViewSchema schema) : DataViewRowCursor
        {
            public override DataViewSchema Schema => schema;
            public override long Position => -1;
            public override long Batch => 0;
            public override bool MoveNext() => false;
            public override bool IsColumnActive(DataViewSchema.Column column) => true;
            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => throw new InvalidOperationException("the view has no rows");
            public override ValueGetter<DataViewRowId> GetIdGetter() => throw new InvalidOperationException("the view has no rows");
        }
    }
}
