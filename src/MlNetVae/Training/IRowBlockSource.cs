namespace MlNetVae.Training;

/// <summary>
/// Training data read in blocks, as many passes as training needs (the ML layer reads an IDataView's cursor): what
/// the training loop asks of data too large to hold in memory.
/// </summary>
internal interface IRowBlockSource
{
    /// <summary>Features per row.</summary>
    int Features { get; }

    /// <summary>The number of rows when the source knows it before reading them, else null.</summary>
    long? RowCount { get; }

    /// <summary>
    /// One pass over every row, in blocks of consecutive rows as read. With <paramref name="shuffleSeed"/>, in the
    /// source's own shuffled order when it has one (a file that can seek to its blocks), else in its usual order. Each
    /// block's buffers are reused for the next one; values are finite. Checks <paramref name="cancellationToken"/> between blocks.
    /// </summary>
    IEnumerable<RowBlock> Read(int? shuffleSeed, CancellationToken cancellationToken);
}

/// <summary>A block of rows from a pass over an <see cref="IRowBlockSource"/>.</summary>
/// <param name="Rows">The rows, flat [n, D], raw values.</param>
/// <param name="Keys">Each row's key, [n]: the same in every pass whatever the order (an ML.NET row id), so the
/// <see cref="Holdout"/> rule picks the same rows every time.</param>
internal readonly record struct RowBlock(ReadOnlyMemory<float> Rows, ReadOnlyMemory<ulong> Keys)
{
    /// <summary>Rows in the block.</summary>
    public int Count => Keys.Length;
}
