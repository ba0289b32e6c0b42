using SegMan.Edge.Pipeline.Postprocessing;

namespace SegMan.Edge.Pipeline.Tests.Postprocessing;

public sealed class BilinearArgMaxTests
{
    // Below this gap float32 rounding may legitimately pick the other class.
    private const double TieGap = 1e-5;

    [Theory]
    [InlineData(5, 7, 9, 56, 72)]
    [InlineData(5, 5, 7, 13, 17)]
    [InlineData(19, 4, 8, 32, 64)]
    [InlineData(3, 6, 10, 3, 5)]
    [InlineData(4, 3, 3, 3, 3)]
    public void Float32_labels_match_the_double_precision_reference(int classes, int height, int width, int outputHeight, int outputWidth)
    {
        var logits = RandomLogits(classes * height * width, seed: (classes * 100) + outputWidth);
        var labels = new byte[outputHeight * outputWidth];

        new BilinearArgMax().Run(logits, classes, height, width, labels, outputHeight, outputWidth);

        AssertMatchesReference(logits, classes, height, width, labels, outputHeight, outputWidth);
    }

    [Theory]
    [InlineData(5, 7, 9, 56, 72)]
    [InlineData(5, 5, 7, 13, 17)]
    public void Float16_labels_match_the_reference_of_the_widened_values(int classes, int height, int width, int outputHeight, int outputWidth)
    {
        var half = RandomLogits(classes * height * width, seed: outputHeight).Select(v => (Half)v).ToArray();
        var widened = half.Select(v => (float)v).ToArray();
        var labels = new byte[outputHeight * outputWidth];

        new BilinearArgMax().Run(half, classes, height, width, labels, outputHeight, outputWidth);

        AssertMatchesReference(widened, classes, height, width, labels, outputHeight, outputWidth);
    }

    [Fact]
    public void Source_positions_follow_half_pixel_centres_clamped_at_the_edges()
    {
        // Class 0 is the ramp [0, 1] over 2 pixels, class 1 the constant 0.3. At 4 pixels align_corners=False samples
        // the ramp at 0 (clamped from -0.25), 0.25, 0.75 and 1 (clamped index): 0, 0.25, 0.75, 1.
        // align_corners=True would give 0, 1/3, 2/3, 1 and label the second pixel 0.
        float[] logits = [0, 1, 0.3f, 0.3f];
        var labels = new byte[4];

        new BilinearArgMax().Run(logits, 2, 1, 2, labels, 1, 4);

        Assert.Equal([1, 1, 0, 0], labels);
    }

    [Fact]
    public void Ties_go_to_the_lower_class_id()
    {
        // Classes 1 and 2 carry the same logits (so the same interpolated values), class 0 lies below both; class 3
        // equals class 0. Output width 37 runs both the vector path and its scalar tail.
        var shared = RandomLogits(3 * 5, seed: 11);
        var logits = shared.Select(v => v - 20).Concat(shared).Concat(shared).Concat(shared.Select(v => v - 20)).ToArray();
        var labels = new byte[9 * 37];

        new BilinearArgMax().Run(logits, 4, 3, 5, labels, 9, 37);

        Assert.All(labels, label => Assert.Equal(1, label));
    }

    [Fact]
    public void Equal_logits_everywhere_give_class_zero()
    {
        var logits = Enumerable.Repeat(2.5f, 6 * 4 * 4).ToArray();
        var labels = Enumerable.Repeat((byte)9, 32 * 32).ToArray();

        new BilinearArgMax().Run(logits, 6, 4, 4, labels, 32, 32);

        Assert.All(labels, label => Assert.Equal(0, label));
    }

    [Fact]
    public void One_instance_serves_frames_of_different_sizes()
    {
        var argMax = new BilinearArgMax();
        var small = RandomLogits(3 * 4 * 4, seed: 1);
        var large = RandomLogits(3 * 6 * 10, seed: 2);
        var smallLabels = new byte[12 * 12];
        var largeLabels = new byte[18 * 40];

        argMax.Run(large, 3, 6, 10, largeLabels, 18, 40);
        argMax.Run(small, 3, 4, 4, smallLabels, 12, 12);
        argMax.Run(large, 3, 6, 10, largeLabels, 18, 40);

        AssertMatchesReference(small, 3, 4, 4, smallLabels, 12, 12);
        AssertMatchesReference(large, 3, 6, 10, largeLabels, 18, 40);
    }

    [Fact]
    public void Too_short_a_label_span_is_refused()
    {
        var logits = RandomLogits(2 * 2 * 2, seed: 3);

        Assert.Throws<ArgumentOutOfRangeException>(() => new BilinearArgMax().Run(logits, 2, 2, 2, new byte[15], 4, 4));
    }

    private static void AssertMatchesReference(
        float[] logits, int classes, int height, int width, byte[] labels, int outputHeight, int outputWidth)
    {
        var (expected, gaps) = BilinearReference.ArgMax(logits, classes, height, width, outputHeight, outputWidth);
        var compared = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            if (gaps[i] >= TieGap)
            {
                Assert.True(expected[i] == labels[i], $"pixel ({i / outputWidth}, {i % outputWidth}): expected {expected[i]}, got {labels[i]} (gap {gaps[i]:G3})");
                compared++;
            }
        }

        // Near-ties are rare with random logits; the comparison must cover (almost) every pixel.
        Assert.True(compared >= expected.Length * 0.99, $"only {compared} of {expected.Length} pixels were compared");
    }

    private static float[] RandomLogits(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (random.NextSingle() * 20) - 10).ToArray();
    }
}
