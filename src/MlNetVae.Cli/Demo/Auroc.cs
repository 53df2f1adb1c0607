namespace MlNetVae.Cli.Demo;

/// <summary>Area under the ROC curve: the chance that a random anomaly scores above a random normal row (ties count half).</summary>
internal static class Auroc
{
    public static double Compute(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        // Mann-Whitney U from average ranks, so tied scores are handled exactly.
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        var rank = new double[scores.Count];
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]]) j++;
            for (int k = i; k <= j; k++) rank[order[k]] = (i + j) / 2.0 + 1;
            i = j + 1;
        }
        long positives = labels.Count(l => l != 0), negatives = labels.Count - positives;
        if (positives == 0 || negatives == 0) throw new ArgumentException("AUROC needs both anomalies and normal rows");
        double rankSum = Enumerable.Range(0, scores.Count).Where(i => labels[i] != 0).Sum(i => rank[i]);
        return (rankSum - positives * (positives + 1) / 2.0) / (positives * (double)negatives);
    }
}
