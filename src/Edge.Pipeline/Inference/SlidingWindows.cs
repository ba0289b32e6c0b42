using System.Numerics.Tensors;
using SegMan.Edge.Pipeline.Models;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Inference;

/// <summary>
/// Where the windows of a <see cref="SlideSpec"/> lie in the frame, and how their tensors are cut out of the frame's
/// input and added into the frame's logits. Windows start every stride and the last one of a row or column is moved
/// back to end at the frame's edge (mmsegmentation's <c>slide_inference</c>). The logits are summed at the output
/// size and divided by the number of windows covering each cell; a toolkit upsamples each window's logits to its input
/// size first, which differs only within a cell of a window's inner edges (bilinear weights are linear).
/// </summary>
internal sealed class SlidingWindows
{
    private readonly int _frameHeight;
    private readonly int _frameWidth;
    private readonly int _windowHeight;
    private readonly int _windowWidth;
    private readonly int _stride;
    private readonly float[] _coverage;

    public SlidingWindows(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var slide = manifest.Slide ?? throw new ArgumentException($"Model {manifest.Name} does not slide.", nameof(manifest));
        (_frameHeight, _frameWidth) = (slide.Height, slide.Width);
        (_windowHeight, _windowWidth) = (manifest.Input.Height, manifest.Input.Width);
        _stride = manifest.Output.Stride;
        var rows = Starts(_frameHeight, _windowHeight, slide.RowStride);
        var columns = Starts(_frameWidth, _windowWidth, slide.ColumnStride);
        Windows = [.. rows.SelectMany(row => columns.Select(column => new Window(row, column)))];
        _coverage = ReciprocalCoverage();
    }

    /// <summary>Each window's top-left pixel in the frame, row by row.</summary>
    public IReadOnlyList<Window> Windows { get; }

    /// <summary>The output cells of the whole frame: (height, width).</summary>
    public (int Height, int Width) OutputSize => (_frameHeight / _stride, _frameWidth / _stride);

    /// <summary>The top row (or left column) of each window along one axis.</summary>
    public static IReadOnlyList<int> Starts(int frame, int window, int stride)
    {
        var count = (Math.Max(frame - window + stride - 1, 0) / stride) + 1;
        return [.. Enumerable.Range(0, count).Select(i => Math.Max(Math.Min((i * stride) + window, frame) - window, 0))];
    }

    /// <summary>Copies <paramref name="window"/> of the frame's (1, 3, H, W) input into a (1, 3, h, w) window input.</summary>
    public void CopyInput(TensorBuffer frame, Window window, TensorBuffer input)
    {
        var size = TensorBuffer.ElementSize(frame.Kind);
        var rowBytes = _windowWidth * size;
        var source = frame.Bytes;
        var target = input.Bytes;
        for (var channel = 0; channel < 3; channel++)
        {
            for (var row = 0; row < _windowHeight; row++)
            {
                var from = ((((channel * _frameHeight) + window.Row + row) * _frameWidth) + window.Column) * size;
                var to = ((channel * _windowHeight) + row) * rowBytes;
                source.Slice(from, rowBytes).CopyTo(target.Slice(to, rowBytes));
            }
        }
    }

    /// <summary>Adds a window's (1, C, h/s, w/s) logits into the frame's (C, H/s, W/s) sums (float16 widened through <paramref name="rowScratch"/>).</summary>
    public void AddLogits(TensorBuffer logits, Window window, Span<float> sums, Span<float> rowScratch)
    {
        var (height, width) = OutputSize;
        var classes = (int)logits.Shape[1];
        var (windowRows, windowColumns) = ((int)logits.Shape[2], (int)logits.Shape[3]);
        var (top, left) = (window.Row / _stride, window.Column / _stride);
        var widened = rowScratch[..windowColumns];
        for (var c = 0; c < classes; c++)
        {
            for (var y = 0; y < windowRows; y++)
            {
                var start = ((c * windowRows) + y) * windowColumns;
                ReadOnlySpan<float> row = widened;
                if (logits.Kind == TensorElementKind.Float16)
                {
                    TensorPrimitives.ConvertToSingle(logits.AsFloat16().Slice(start, windowColumns), widened);
                }
                else
                {
                    row = logits.AsFloat32().Slice(start, windowColumns);
                }

                var target = sums.Slice((((c * height) + top + y) * width) + left, windowColumns);
                TensorPrimitives.Add(target, row, target);
            }
        }
    }

    /// <summary>Turns the sums of every class into means over the windows that cover each cell.</summary>
    public void Average(Span<float> sums)
    {
        for (var start = 0; start < sums.Length; start += _coverage.Length)
        {
            var plane = sums.Slice(start, _coverage.Length);
            TensorPrimitives.Multiply(plane, _coverage, plane);
        }
    }

    private float[] ReciprocalCoverage()
    {
        var (height, width) = OutputSize;
        var counts = new int[height * width];
        foreach (var window in Windows)
        {
            for (var y = 0; y < _windowHeight / _stride; y++)
            {
                var start = (((window.Row / _stride) + y) * width) + (window.Column / _stride);
                for (var x = 0; x < _windowWidth / _stride; x++)
                {
                    counts[start + x]++;
                }
            }
        }

        return [.. counts.Select(count => 1f / count)];
    }

    /// <summary>A window's top-left pixel in the frame.</summary>
    public readonly record struct Window(int Row, int Column);
}
