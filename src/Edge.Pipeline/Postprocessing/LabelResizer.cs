namespace SegMan.Edge.Pipeline.Postprocessing;

/// <summary>
/// Nearest-neighbour resizing of label maps (labels must never be blended). Each target pixel takes the source pixel
/// under its centre: <c>sx = floor((x + 0.5) · sw / dw)</c>. The column map is kept between calls of the same size.
/// </summary>
internal sealed class LabelResizer
{
    private int[] _columns = [];
    private int _sourceWidth;
    private int _targetWidth;

    public void Resize(ReadOnlySpan<byte> source, int sourceWidth, int sourceHeight, Span<byte> target, int targetWidth, int targetHeight)
    {
        if (sourceWidth != _sourceWidth || targetWidth != _targetWidth)
        {
            _columns = new int[targetWidth];
            for (var x = 0; x < targetWidth; x++)
            {
                _columns[x] = SourceIndex(x, sourceWidth, targetWidth);
            }

            _sourceWidth = sourceWidth;
            _targetWidth = targetWidth;
        }

        var previousRow = -1;
        for (var y = 0; y < targetHeight; y++)
        {
            var targetRow = target.Slice(y * targetWidth, targetWidth);
            var sourceY = SourceIndex(y, sourceHeight, targetHeight);
            if (sourceY == previousRow)
            {
                // Upscaling repeats rows: copy the one just made.
                target.Slice((y - 1) * targetWidth, targetWidth).CopyTo(targetRow);
                continue;
            }

            var sourceRow = source.Slice(sourceY * sourceWidth, sourceWidth);
            for (var x = 0; x < targetRow.Length; x++)
            {
                targetRow[x] = sourceRow[_columns[x]];
            }

            previousRow = sourceY;
        }
    }

    /// <summary>The source index under the centre of target index <paramref name="i"/>.</summary>
    public static int SourceIndex(int i, int sourceSize, int targetSize) =>
        (int)Math.Min(sourceSize - 1, (((2L * i) + 1) * sourceSize) / (2L * targetSize));
}
