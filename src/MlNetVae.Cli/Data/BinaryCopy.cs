using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.Cli.Output;

namespace MlNetVae.Cli.Data;

/// <summary>
/// Training rows too many for the memory budget, copied once into ML.NET's binary format (<c>SaveAsBinary</c>) in a
/// temporary file beside the model: the estimator then reads that copy once per pass instead of parsing the CSV again,
/// and in a random order of its blocks, which a text file cannot give. Deleted when training ends, however it ends
/// (a signal included; a killed process's copy is removed by the next train to the same output).
/// </summary>
internal sealed class BinaryCopy : IDisposable
{
    private readonly string _path;

    private BinaryCopy(string path, IDataView view) => (_path, View) = (path, view);

    /// <summary>The copied rows: the Features column.</summary>
    public IDataView View { get; }

    /// <summary>The temporary file.</summary>
    public string Path => _path;

    /// <summary>
    /// Copies <paramref name="data"/>'s features beside <paramref name="output"/>; progress comes as the reading phase
    /// (rows copied), and <paramref name="cancellation"/> stops the copy between rows.
    /// </summary>
    public static BinaryCopy Write(Dataset data, string output, int epochs, IProgress<TrainingProgress> progress, CancellationToken cancellation)
    {
        string target = output + ".rows";
        TempFiles.RemoveStale(target);
        var ml = new MLContext();
        var clock = Stopwatch.StartNew();
        var watched = new Watched(data.View, rows => progress.Report(TrainingProgress.OfPass(TrainingPhase.Reading, epochs, rows, clock.Elapsed)),
            cancellation);
        var features = ml.Transforms.SelectColumns(RowsDataView.FeaturesColumn).Fit(data.View).Transform(watched);
        string path;
        using (var stream = TempFiles.Create(target, mode: null))
        {
            path = stream.Name;
            try
            {
                ml.Data.SaveAsBinary(features, stream);
            }
            catch
            {
                stream.Dispose();
                TempFiles.Discard(path);
                throw;
            }
        }
        cancellation.ThrowIfCancellationRequested();
        return new BinaryCopy(path, ml.Data.LoadFromBinary(path));
    }

    /// <summary>Closes the copy and deletes it.</summary>
    public void Dispose()
    {
        (View as IDisposable)?.Dispose();
        TempFiles.Discard(_path);
    }

    /// <summary>A view whose cursors report every 50,000 rows they pass, and stop when cancelled.</summary>
    private sealed class Watched(IDataView inner, Action<long> report, CancellationToken cancellation) : IDataView
    {
        private Action<long> Report => report;

        private CancellationToken Cancellation => cancellation;

        public DataViewSchema Schema => inner.Schema;

        public bool CanShuffle => false;

        public long? GetRowCount() => inner.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
            new Cursor(this, inner.GetRowCursor(columnsNeeded));

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            [GetRowCursor(columnsNeeded)];

        private sealed class Cursor(Watched view, DataViewRowCursor inner) : DataViewRowCursor
        {
            private const int ReportEveryRows = 50_000;

            public override DataViewSchema Schema => inner.Schema;
            public override long Position => inner.Position;
            public override long Batch => inner.Batch;
            public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);
            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => inner.GetGetter<TValue>(column);
            public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

            public override bool MoveNext()
            {
                view.Cancellation.ThrowIfCancellationRequested();
                if (!inner.MoveNext()) return false;
                if ((inner.Position + 1) % ReportEveryRows == 0) view.Report(inner.Position + 1);
                return true;
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing) inner.Dispose();
                base.Dispose(disposing);
            }
        }
    }
}
