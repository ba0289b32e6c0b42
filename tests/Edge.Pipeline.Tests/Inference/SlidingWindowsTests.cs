using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Models;
using SegMan.Edge.Pipeline.Running;
using SegMan.Edge.Pipeline.Tests.Models;

namespace SegMan.Edge.Pipeline.Tests.Inference;

public sealed class SlidingWindowsTests
{
    [Theory]
    [InlineData(1024, 1024, 768, new[] { 0 })]                 // SegMAN's Cityscapes rows: one window
    [InlineData(2048, 1024, 768, new[] { 0, 768, 1024 })]      // and columns: the last moved back to the edge
    [InlineData(16, 8, 6, new[] { 0, 6, 8 })]
    [InlineData(28, 12, 8, new[] { 0, 8, 16 })]
    [InlineData(24, 12, 12, new[] { 0, 12 })]
    [InlineData(12, 12, 4, new[] { 0 })]
    public void Windows_start_every_stride_and_the_last_ends_at_the_edge(int frame, int window, int stride, int[] expected)
    {
        Assert.Equal(expected, SlidingWindows.Starts(frame, window, stride));
    }

    [Fact]
    public void Every_cell_gets_the_mean_of_the_windows_that_cover_it()
    {
        var manifest = TestModels.ManifestOf("logits") with
        {
            Slide = new SlideSpec { Height = 16, Width = 28, RowStride = 6, ColumnStride = 8 },
        };
        var windows = new SlidingWindows(manifest);
        var (height, width) = windows.OutputSize;
        const int Classes = 2;
        var sums = new float[Classes * height * width];
        var logits = new TensorBuffer(TensorElementKind.Float32, 1, Classes, 4, 6);
        var row = new float[6];

        // Window i writes i + 1 to class 0 and -(i + 1) * 10 to class 1 over its cells.
        for (var i = 0; i < windows.Windows.Count; i++)
        {
            logits.AsFloat32()[..24].Fill(i + 1);
            logits.AsFloat32()[24..].Fill(-(i + 1) * 10);
            windows.AddLogits(logits, windows.Windows[i], sums, row);
        }

        windows.Average(sums);

        Assert.Equal(9, windows.Windows.Count);
        Assert.Equal((8, 14), (height, width));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var covering = Enumerable.Range(0, windows.Windows.Count)
                    .Where(i => Covers(windows.Windows[i], y, x))
                    .Select(i => i + 1f)
                    .ToList();
                Assert.NotEmpty(covering);
                Assert.Equal(covering.Average(), sums[(y * width) + x], 5);
                Assert.Equal(-10 * covering.Average(), sums[(height * width) + (y * width) + x], 4);
            }
        }

        // Windows of 8x12 pixels, at stride 2 cover 4x6 cells from their top-left pixel.
        static bool Covers(SlidingWindows.Window window, int y, int x) =>
            y >= window.Row / 2 && y < (window.Row / 2) + 4 && x >= window.Column / 2 && x < (window.Column / 2) + 6;
    }

    [Fact]
    public void A_window_of_the_input_is_cut_out_channel_by_channel()
    {
        var manifest = TestModels.ManifestOf("logits") with
        {
            Slide = new SlideSpec { Height = 16, Width = 28, RowStride = 6, ColumnStride = 8 },
        };
        var windows = new SlidingWindows(manifest);
        var frame = new TensorBuffer(TensorElementKind.Float32, 1, 3, 16, 28);
        var values = frame.AsFloat32();
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = i;
        }

        var input = new TensorBuffer(TensorElementKind.Float32, 1, 3, 8, 12);
        var window = windows.Windows[5]; // row 6, column 16
        windows.CopyInput(frame, window, input);

        Assert.Equal(new SlidingWindows.Window(6, 16), window);
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < 8; y++)
            {
                for (var x = 0; x < 12; x++)
                {
                    Assert.Equal(values[(c * 16 * 28) + ((6 + y) * 28) + 16 + x], input.AsFloat32()[(c * 96) + (y * 12) + x]);
                }
            }
        }
    }
}
