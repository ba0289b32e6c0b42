using OpenCvSharp;
using SegMan.Edge.Pipeline.Postprocessing;

namespace SegMan.Edge.Pipeline.Tests.Postprocessing;

public sealed class LabelResizerTests
{
    [Fact]
    public void Doubling_repeats_each_label_in_a_two_by_two_block()
    {
        byte[] source = [1, 2, 3, 4, 5, 6];
        var target = new byte[6 * 4];

        new LabelResizer().Resize(source, 3, 2, target, 6, 4);

        Assert.Equal(
            [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6],
            target);
    }

    [Fact]
    public void Halving_takes_the_pixel_under_each_centre()
    {
        var source = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        var target = new byte[4];

        new LabelResizer().Resize(source, 4, 4, target, 2, 2);

        Assert.Equal([5, 7, 13, 15], target);
    }

    [Theory]
    [InlineData(128, 64, 640, 360)]
    [InlineData(128, 64, 97, 51)]
    [InlineData(13, 7, 13, 7)]
    [InlineData(1000, 3, 7, 1000)]
    public void Every_target_pixel_takes_the_source_pixel_under_its_centre(int sourceWidth, int sourceHeight, int targetWidth, int targetHeight)
    {
        var source = PngMaskEncoderTests.RandomLabels(sourceWidth, sourceHeight, classes: 19, seed: 5);
        var target = new byte[targetWidth * targetHeight];

        var resizer = new LabelResizer();
        resizer.Resize(source, sourceWidth, sourceHeight, target, targetWidth, targetHeight);
        resizer.Resize(source, sourceWidth, sourceHeight, target, targetWidth, targetHeight);

        for (var y = 0; y < targetHeight; y++)
        {
            var sy = (int)Math.Floor((y + 0.5) * sourceHeight / targetHeight);
            for (var x = 0; x < targetWidth; x++)
            {
                var sx = (int)Math.Floor((x + 0.5) * sourceWidth / targetWidth);
                Assert.Equal(source[(sy * sourceWidth) + sx], target[(y * targetWidth) + x]);
            }
        }
    }

    [Fact]
    public void Agrees_with_OpenCV_nearest_exact_on_an_integer_upscale()
    {
        var source = PngMaskEncoderTests.RandomLabels(128, 64, classes: 19, seed: 6);
        var target = new byte[512 * 256];
        using var sourceMat = Mat.FromPixelData(64, 128, MatType.CV_8UC1, source);
        using var expected = new Mat();
        Cv2.Resize(sourceMat, expected, new Size(512, 256), 0, 0, (InterpolationFlags)6);
        expected.GetArray(out byte[] expectedLabels);

        new LabelResizer().Resize(source, 128, 64, target, 512, 256);

        Assert.Equal(expectedLabels, target);
    }
}
