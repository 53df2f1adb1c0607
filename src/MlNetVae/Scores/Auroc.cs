namespace MlNetVae.Scores;

/// <summary>Area under the ROC curve of an anomaly score: the chance that a random anomaly scores above a random normal row.</summary>
public static class Auroc
{
    /// <summary>
    /// The Mann-Whitney statistic with mid-ranks, so a tie between an anomaly and a normal row counts one half:
    /// (sum of the anomalies' ranks - P (P + 1) / 2) / (P N) for P anomalies and N normal rows. 1 is a perfect
    /// ranking, 0.5 is chance (and what constant scores get), 0 is inverted.
    /// </summary>
    /// <param name="scores">One score per row; higher means more unusual.</param>
    /// <param name="isAnomaly">One label per row, in the same order.</param>
    /// <exception cref="ArgumentException">Lengths differ, a score is NaN, or one of the two classes is empty.</exception>
    public static double Compute(IReadOnlyList<double> scores, IReadOnlyList<bool> isAnomaly)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(isAnomaly);
        if (scores.Count != isAnomaly.Count) throw new ArgumentException($"{scores.Count} scores but {isAnomaly.Count} labels");
        if (scores.Any(double.IsNaN)) throw new ArgumentException("a score is NaN");
        long positives = isAnomaly.Count(a => a), negatives = scores.Count - positives;
        if (positives == 0 || negatives == 0) throw new ArgumentException("AUROC needs at least one anomaly and one normal row");

        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        double positiveRankSum = 0;
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end < order.Length && scores[order[end]] == scores[order[start]]) end++;
            double midRank = (start + 1 + end) / 2.0; // ranks start..end-1 are 1-based start+1..end
            for (int i = start; i < end; i++)
                if (isAnomaly[order[i]]) positiveRankSum += midRank;
            start = end;
        }
        return (positiveRankSum - positives * (positives + 1) / 2.0) / (positives * (double)negatives);
    }
}
