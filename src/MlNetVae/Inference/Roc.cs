namespace MlNetVae.Inference;

/// <summary>
/// The ROC curve of an anomaly score against labels, and the area under it (AUROC): the one definition behind the
/// benchmarks' tables, the tests and the report's ROC figure.
/// </summary>
internal static class Roc
{
    /// <summary>
    /// The ROC polyline from (0, 0) to (1, 1), one vertex per distinct score from the highest down: tied scores move
    /// diagonally, which makes the area below it the Mann-Whitney AUROC with ties counted one half.
    /// </summary>
    /// <param name="scores">One score per row; higher means more unusual.</param>
    /// <param name="isAnomaly">One label per row, in the same order.</param>
    /// <exception cref="ArgumentException">Lengths differ, a score is NaN, or one of the two classes is empty.</exception>
    public static (double[] FalsePositiveRate, double[] TruePositiveRate) Curve(IReadOnlyList<double> scores, IReadOnlyList<bool> isAnomaly)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(isAnomaly);
        if (scores.Count != isAnomaly.Count) throw new ArgumentException($"{scores.Count} scores but {isAnomaly.Count} labels");
        if (scores.Any(double.IsNaN)) throw new ArgumentException("a score is NaN");
        int positives = isAnomaly.Count(a => a), negatives = scores.Count - positives;
        if (positives == 0 || negatives == 0) throw new ArgumentException("a ROC curve needs at least one anomaly and one normal row");
        var order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
        List<double> fpr = [0], tpr = [0];
        int tp = 0, fp = 0;
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            for (; end < order.Length && scores[order[end]] == scores[order[start]]; end++)
                if (isAnomaly[order[end]]) tp++; else fp++;
            fpr.Add(fp / (double)negatives);
            tpr.Add(tp / (double)positives);
            start = end;
        }
        return ([.. fpr], [.. tpr]);
    }

    /// <summary>The trapezoidal area under a polyline given by its vertices.</summary>
    public static double Area(double[] fpr, double[] tpr)
    {
        double area = 0;
        for (int i = 1; i < fpr.Length; i++) area += (fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2;
        return area;
    }

    /// <summary>
    /// The chance that a random anomaly scores above a random normal row, a tie counting one half: 1 is a perfect ranking,
    /// 0.5 is chance (and what constant scores get), 0 is inverted.
    /// </summary>
    public static double Auroc(IReadOnlyList<double> scores, IReadOnlyList<bool> isAnomaly)
    {
        var (fpr, tpr) = Curve(scores, isAnomaly);
        return Area(fpr, tpr);
    }
}
