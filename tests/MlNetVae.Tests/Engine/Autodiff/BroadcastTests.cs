using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Autodiff;

/// <summary>a op b with b a row vector [cols] (every row), a column [rows, 1] (every column) or a scalar [1] (every element): values and both gradients.</summary>
internal class BroadcastTests
{
    /// <summary>What b is.</summary>
    public enum Mode
    {
        /// <summary>[cols].</summary>
        Row,
        /// <summary>[rows, 1].</summary>
        Column,
        /// <summary>[1].</summary>
        Scalar,
    }

    private const int Rows = 5, Cols = 7; // odd widths: the vector kernels' tails are exercised

    private static Tensor A => GradCheck.Random(31, -1, 1, Rows, Cols);

    /// <summary>b in [1, 2]: away from 0, for Div.</summary>
    private static Tensor B(Mode mode) => mode switch
    {
        Mode.Column => GradCheck.Random(32, 1, 2, Rows, 1),
        Mode.Row => GradCheck.Random(33, 1, 2, Cols),
        _ => GradCheck.Random(34, 1, 2, 1),
    };

    [Test, Combinatorial]
    public void GradientsToBothOperands([Values] BinaryOp op, [Values] Mode mode) =>
        GradCheck.Check((t, p) => t.Broadcast(op, p[0], p[1]), [A, B(mode)]);

    [Test, Combinatorial]
    public void GradientToBAloneWhenAIsData([Values] BinaryOp op, [Values] Mode mode)
    {
        var a = A;
        GradCheck.Check((t, p) => t.Broadcast(op, t.Input(a), p[0]), [B(mode)]);
    }

    [Test, Combinatorial]
    public void GradientToAAloneWhenBIsData([Values] BinaryOp op, [Values] Mode mode)
    {
        var b = B(mode);
        GradCheck.Check((t, p) => t.Broadcast(op, p[0], t.Input(b)), [A]);
    }

    [Test, Combinatorial]
    public void ForwardMatchesANaiveLoop([Values] BinaryOp op, [Values] Mode mode)
    {
        var a = A;
        var b = B(mode);
        var tape = new Tape(new Compute(1));
        var y = tape.Broadcast(op, tape.Input(a), tape.Input(b)).Value;
        var expected = new double[Rows * Cols];
        for (int r = 0; r < Rows; r++)
            for (int c = 0; c < Cols; c++)
            {
                double x = a[r, c], v = b.Span[mode switch { Mode.Column => r, Mode.Row => c, _ => 0 }];
                expected[r * Cols + c] = op switch
                {
                    BinaryOp.Add => x + v,
                    BinaryOp.Sub => x - v,
                    BinaryOp.Mul => x * v,
                    _ => x / v,
                };
            }
        Expect.Values(y, [Rows, Cols], expected, rel: 1e-6, abs: 1e-7);
    }

    [Test]
    public void ASquareMatrixTellsTheModesApartByRank()
    {
        // [3, 3] with b [3] broadcasts along rows, with b [3, 1] along columns: the same numbers, different results.
        var a = Expect.Tensor([0, 0, 0, 10, 10, 10, 20, 20, 20], 3, 3);
        var tape = new Tape(new Compute(1));
        var byRow = tape.Broadcast(BinaryOp.Add, tape.Input(a), tape.Input(Expect.Tensor([1, 2, 3], 3))).Value;
        var byColumn = tape.Broadcast(BinaryOp.Add, tape.Input(a), tape.Input(Expect.Tensor([1, 2, 3], 3, 1))).Value;
        Assert.That(byRow.Span.ToArray(), Is.EqualTo(new float[] { 1, 2, 3, 11, 12, 13, 21, 22, 23 }));
        Assert.That(byColumn.Span.ToArray(), Is.EqualTo(new float[] { 1, 1, 1, 12, 12, 12, 23, 23, 23 }));
    }

    [Test]
    public void OtherShapesAreRefused()
    {
        var tape = new Tape(new Compute(1));
        var a = tape.Input(A);
        Assert.Throws<ArgumentException>(() => tape.Broadcast(BinaryOp.Add, a, tape.Input(new Tensor(Cols + 1))));
        Assert.Throws<ArgumentException>(() => tape.Broadcast(BinaryOp.Add, a, tape.Input(new Tensor(Rows + 1, 1))));
        Assert.Throws<ArgumentException>(() => tape.Broadcast(BinaryOp.Add, a, tape.Input(new Tensor(1, Cols))));
        Assert.Throws<ArgumentException>(() => tape.Broadcast(BinaryOp.Add, a, tape.Input(new Tensor(1, 1))));
        Assert.Throws<ArgumentException>(() => tape.Broadcast(BinaryOp.Add, tape.Input(new Tensor(Cols)), tape.Input(new Tensor(Cols))));
    }
}
