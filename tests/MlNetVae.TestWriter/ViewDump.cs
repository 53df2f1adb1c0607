using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetVae.TestWriter;

/// <summary>
/// A data view written out as text, exactly: its schema (name, type, hidden) and every row's cells, numbers in
/// round-trip form. The tests compute it in their own process and read it from a fresh one, so the two sides are
/// compared through the same code.
/// </summary>
public static class ViewDump
{
    /// <summary>One column of a schema.</summary>
    public sealed record Column(string Name, string Type, bool Hidden);

    /// <summary>A schema and its rows: one cell per column, vectors as their values separated by spaces.</summary>
    public sealed record Table(Column[] Schema, string[][] Rows);

    public static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Every column of <paramref name="view"/> (hidden ones too) and every row.</summary>
    public static Table Of(IDataView view)
    {
        var columns = view.Schema.ToArray();
        using var cursor = view.GetRowCursor(columns);
        var getters = columns.Select(c => Getter(cursor, c)).ToArray();
        var rows = new List<string[]>();
        while (cursor.MoveNext()) rows.Add(getters.Select(g => g()).ToArray());
        return new Table(columns.Select(c => new Column(c.Name, c.Type.ToString()!, c.IsHidden)).ToArray(), rows.ToArray());
    }

    /// <summary>
    /// A tab-separated file with a header whose columns are <paramref name="schema"/>'s (Single scalars, or known-size
    /// Single vectors spread over consecutive columns), read with ML.NET's own text loader.
    /// </summary>
    public static IDataView LoadTsv(MLContext ml, string path, DataViewSchema schema)
    {
        var columns = new List<TextLoader.Column>();
        int at = 0;
        foreach (var c in schema)
        {
            int width = c.Type is VectorDataViewType v ? v.Size : 1;
            if ((c.Type is VectorDataViewType vector ? vector.ItemType : c.Type) != NumberDataViewType.Single) throw new ArgumentException($"column '{c.Name}' is {c.Type}; the dump reads Single columns only");
            columns.Add(new TextLoader.Column(c.Name, DataKind.Single, at, at + width - 1));
            at += width;
        }
        return ml.Data.CreateTextLoader(new TextLoader.Options { Columns = columns.ToArray(), HasHeader = true, Separators = ['\t'] }).Load(path);
    }

    private static Func<string> Getter(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        switch (column.Type)
        {
            case NumberDataViewType n when n == NumberDataViewType.Single:
                {
                    var get = cursor.GetGetter<float>(column);
                    float v = 0;
                    return () => { get(ref v); return Number(v); };
                }
            case BooleanDataViewType:
                {
                    var get = cursor.GetGetter<bool>(column);
                    bool v = false;
                    return () => { get(ref v); return v ? "True" : "False"; };
                }
            case VectorDataViewType { ItemType: NumberDataViewType i } when i == NumberDataViewType.Single:
                {
                    var get = cursor.GetGetter<VBuffer<float>>(column);
                    VBuffer<float> v = default;
                    return () => { get(ref v); return string.Join(' ', v.DenseValues().Select(Number)); };
                }
            default:
                throw new NotSupportedException($"column '{column.Name}' has type {column.Type}, which the dump does not write");
        }
    }
}
