using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.Graph;

namespace MlNetVae.ML;

/// <summary>The getters of the output columns, one per kind of output, shared by the transform's cursor and its row mapper.</summary>
internal static class OutputGetters
{
    /// <summary>
    /// A getter of <paramref name="column"/> that reads row <paramref name="row"/>() of the output's values
    /// (<paramref name="values"/>(), [rows, width] row-major); a flag compares the score with <paramref name="threshold"/>.
    /// </summary>
    public static ValueGetter<TValue> Create<TValue>(OutputColumn column, Func<float[]> values, Func<int> row, AnomalyThreshold threshold)
    {
        // Optimized at their first call, as VaeCursor.MoveNext: they run once per row of an app's first pass.
        Delegate getter = column.Output.Kind switch
        {
            OutputKind.Single => (ValueGetter<float>)([MethodImpl(MethodImplOptions.AggressiveOptimization)] (ref float v) => v = values()[row()]),
            OutputKind.Flag => (ValueGetter<bool>)([MethodImpl(MethodImplOptions.AggressiveOptimization)] (ref bool v) =>
                v = threshold.IsAnomaly(values()[row()])),
            _ => (ValueGetter<VBuffer<float>>)([MethodImpl(MethodImplOptions.AggressiveOptimization)] (ref VBuffer<float> v) =>
            {
                int width = ((VectorDataViewType)column.Type).Size;
                var source = values().AsSpan(row() * width, width); // before the editor: computing may throw
                var editor = VBufferEditor.Create(ref v, width);
                source.CopyTo(editor.Values);
                v = editor.Commit();
            }),
        };
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}");
    }
}
