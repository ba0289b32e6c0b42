using System.Numerics;
using System.Numerics.Tensors;

namespace SegMan.Edge.Pipeline.Postprocessing;

/// <summary>
/// Resizes class logits (C, h, w) bilinearly to (H, W) and takes the per-pixel argmax, with the arithmetic of PyTorch's
/// <c>F.interpolate(mode="bilinear", align_corners=False)</c>: <c>src = (dst + 0.5) · (in / out) − 0.5</c> (float32,
/// clamped below at 0), <c>i0 = floor(src)</c>, <c>i1 = min(i0 + 1, in − 1)</c>, <c>λ = src − i0</c>, and
/// <c>(1 − λy)·((1 − λx)·a + λx·b) + λy·((1 − λx)·c + λx·d)</c>. Ties go to the lower class id.
/// </summary>
/// <remarks>
/// Two passes: every source row of every class is interpolated horizontally once into a (C, h, W) scratch; then each
/// output row blends two of those rows per class with SIMD into a row buffer, and <see cref="ArgMax.Update"/> keeps
/// the running best. The resized logits (C, H, W) are never materialised. Scratch and index tables are kept between frames; one instance per camera.
/// </remarks>
internal sealed class BilinearArgMax
{
    private readonly Axis _rows = new();
    private readonly Axis _columns = new();
    private float[] _horizontal = [];
    private float[] _sourceRow = [];
    private float[] _best = [];
    private float[] _row = [];
    private int[] _index = [];

    /// <summary>Resizes float32 logits <c>(classes, height, width)</c> to <c>(outputHeight, outputWidth)</c> labels.</summary>
    public void Run(ReadOnlySpan<float> logits, int classes, int height, int width, Span<byte> labels, int outputHeight, int outputWidth)
    {
        Prepare(logits.Length, classes, height, width, labels.Length, outputHeight, outputWidth);
        var source = _sourceRow.AsSpan(0, width);
        for (var row = 0; row < classes * height; row++)
        {
            // Through a small row buffer, like the float16 path: measured twice as fast as gathering from the tensor in place.
            logits.Slice(row * width, width).CopyTo(source);
            Horizontal(source, HorizontalRow(row, outputWidth));
        }

        Vertical(classes, height, labels, outputHeight, outputWidth);
    }

    /// <summary>Resizes float16 logits, widened to float32 row by row (as <c>F.interpolate(logits.float(), …)</c>).</summary>
    public void Run(ReadOnlySpan<Half> logits, int classes, int height, int width, Span<byte> labels, int outputHeight, int outputWidth)
    {
        Prepare(logits.Length, classes, height, width, labels.Length, outputHeight, outputWidth);
        var source = _sourceRow.AsSpan(0, width);
        for (var row = 0; row < classes * height; row++)
        {
            TensorPrimitives.ConvertToSingle(logits.Slice(row * width, width), source);
            Horizontal(source, HorizontalRow(row, outputWidth));
        }

        Vertical(classes, height, labels, outputHeight, outputWidth);
    }

    private void Prepare(int logitCount, int classes, int height, int width, int labelCount, int outputHeight, int outputWidth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(logitCount, classes * height * width);
        ArgumentOutOfRangeException.ThrowIfLessThan(labelCount, outputHeight * outputWidth);

        _rows.Build(height, outputHeight);
        _columns.Build(width, outputWidth);
        Grow(ref _horizontal, classes * height * outputWidth);
        Grow(ref _sourceRow, width);
        Grow(ref _best, outputWidth);
        Grow(ref _row, outputWidth);
        Grow(ref _index, outputWidth);
    }

    private static void Grow<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[length];
        }
    }

    private Span<float> HorizontalRow(int row, int outputWidth) => _horizontal.AsSpan(row * outputWidth, outputWidth);

    private void Horizontal(ReadOnlySpan<float> source, Span<float> target)
    {
        var first = _columns.First;
        var second = _columns.Second;
        var keep = _columns.Keep;
        var take = _columns.Take;
        for (var x = 0; x < target.Length; x++)
        {
            target[x] = (keep[x] * source[first[x]]) + (take[x] * source[second[x]]);
        }
    }

    private void Vertical(int classes, int height, Span<byte> labels, int outputHeight, int outputWidth)
    {
        var best = _best.AsSpan(0, outputWidth);
        var index = _index.AsSpan(0, outputWidth);
        var row = _row.AsSpan(0, outputWidth);
        var plane = height * outputWidth;
        for (var y = 0; y < outputHeight; y++)
        {
            var top = _rows.First[y] * outputWidth;
            var bottom = _rows.Second[y] * outputWidth;
            var keep = _rows.Keep[y];
            var take = _rows.Take[y];
            Blend(_horizontal.AsSpan(top, outputWidth), _horizontal.AsSpan(bottom, outputWidth), keep, take, best);
            index.Clear();
            for (var c = 1; c < classes; c++)
            {
                var offset = c * plane;
                Blend(_horizontal.AsSpan(offset + top, outputWidth), _horizontal.AsSpan(offset + bottom, outputWidth), keep, take, row);
                ArgMax.Update(row, c, best, index);
            }

            ArgMax.Narrow(index, labels.Slice(y * outputWidth, outputWidth));
        }
    }

    private static void Blend(ReadOnlySpan<float> top, ReadOnlySpan<float> bottom, float keep, float take, Span<float> target)
    {
        var keepVector = new Vector<float>(keep);
        var takeVector = new Vector<float>(take);
        var x = 0;
        for (; x <= target.Length - Vector<float>.Count; x += Vector<float>.Count)
        {
            ((keepVector * new Vector<float>(top[x..])) + (takeVector * new Vector<float>(bottom[x..]))).CopyTo(target[x..]);
        }

        for (; x < target.Length; x++)
        {
            target[x] = (keep * top[x]) + (take * bottom[x]);
        }
    }

    /// <summary>The two source indices and their weights for every output index along one axis, rebuilt when the sizes change.</summary>
    private sealed class Axis
    {
        private int _source = -1;
        private int _target = -1;

        public int[] First { get; private set; } = [];

        public int[] Second { get; private set; } = [];

        /// <summary>Weight of <see cref="First"/>: <c>1 − λ</c>.</summary>
        public float[] Keep { get; private set; } = [];

        /// <summary>Weight of <see cref="Second"/>: <c>λ</c>.</summary>
        public float[] Take { get; private set; } = [];

        public void Build(int source, int target)
        {
            if (source == _source && target == _target)
            {
                return;
            }

            First = new int[target];
            Second = new int[target];
            Keep = new float[target];
            Take = new float[target];
            var scale = (float)source / target;
            for (var i = 0; i < target; i++)
            {
                if (source == target)
                {
                    // PyTorch copies at scale 1: (1, 0) weights on the pixel itself.
                    (First[i], Second[i], Keep[i], Take[i]) = (i, i, 1f, 0f);
                    continue;
                }

                var position = Math.Max(0f, (scale * (i + 0.5f)) - 0.5f);
                var lower = Math.Min((int)position, source - 1);
                var lambda = Math.Clamp(position - lower, 0f, 1f);
                (First[i], Second[i], Keep[i], Take[i]) = (lower, Math.Min(lower + 1, source - 1), 1f - lambda, lambda);
            }

            _source = source;
            _target = target;
        }
    }
}
