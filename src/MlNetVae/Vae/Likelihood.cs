using System.Numerics.Tensors;
using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using Tensor = MlNetVae.Engine.Tensor;

namespace MlNetVae.Vae;

/// <summary>
/// p(x|z) for every column, segment by segment: Bernoulli (BCE on logits), Gaussian (learned or fixed
/// per-feature variance, standardized units) and categorical (softmax over a one-hot group).
/// </summary>
internal static class Likelihood
{
    /// <summary>
    /// Records -log p(x|z) per row, (rows, 1), from the decoder's output (rows, D) and the targets x (rows, D).
    /// When <paramref name="elements"/> is given, it receives each segment's elementwise node (for
    /// per-feature attributions): (rows, length) for Bernoulli and Gaussian, (rows, 1) for a categorical group.
    /// </summary>
    public static Node RecordNll(Tape tape, VaeModel model, Node output, Node x, Node[]? elements = null)
    {
        var segments = model.Preprocessor.Segments;
        Node? total = null;
        for (int i = 0; i < segments.Length; i++)
        {
            var s = segments[i];
            bool whole = segments.Length == 1; // the common case (all pixels Bernoulli) needs no slices
            var o = whole ? output : tape.Slice(output, s.Start, s.Length);
            var t = whole ? x : tape.Slice(x, s.Start, s.Length);
            var nll = s.Kind switch
            {
                ColumnKind.Bernoulli => tape.BceWithLogits(o, t),
                ColumnKind.Gaussian => tape.GaussianNll(t, o, model.GaussianLogVar[i]!),
                _ => tape.CategoricalNll(o, t, [(0, s.Length)]),
            };
            if (elements is not null) elements[i] = nll;
            var rows = s.Kind == ColumnKind.Categorical ? nll : tape.Sum(nll, 1);
            total = total is null ? rows : tape.Add(total, rows);
        }
        return total!;
    }

    /// <summary>
    /// Turns the decoder's output rows (in place) into the likelihood's mean in model units:
    /// sigmoid of Bernoulli logits, Gaussian means as they are, softmax over each categorical group.
    /// </summary>
    public static void MeanInPlace(Segment[] segments, Tensor output)
    {
        for (int r = 0; r < output.Rows; r++)
        {
            var row = output.Row(r);
            foreach (var s in segments)
            {
                var part = row.Slice(s.Start, s.Length);
                if (s.Kind == ColumnKind.Bernoulli) TensorPrimitives.Sigmoid(part, part);
                else if (s.Kind == ColumnKind.Categorical) TensorPrimitives.SoftMax(part, part);
            }
        }
    }

    /// <summary>
    /// Spreads the segments' elementwise -log p values over the columns: (rows, D). A categorical group's
    /// value goes to its hot slot (the only one with a non-zero target), the others get 0.
    /// </summary>
    public static void Contributions(Segment[] segments, Node[] elements, Tensor targets, Tensor destination)
    {
        destination.Clear();
        for (int r = 0; r < destination.Rows; r++)
        {
            var row = destination.Row(r);
            var target = targets.Row(r);
            for (int i = 0; i < segments.Length; i++)
            {
                var s = segments[i];
                var values = elements[i].Value.Row(r);
                if (s.Kind != ColumnKind.Categorical)
                {
                    values.CopyTo(row.Slice(s.Start, s.Length));
                    continue;
                }
                int hot = TensorPrimitives.IndexOfMax(target.Slice(s.Start, s.Length));
                row[s.Start + hot] = values[0];
            }
        }
    }
}
