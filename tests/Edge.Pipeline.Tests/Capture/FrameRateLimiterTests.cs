using System.Diagnostics;
using SegMan.Edge.Pipeline.Capture;

namespace SegMan.Edge.Pipeline.Tests.Capture;

public sealed class FrameRateLimiterTests
{
    [Theory]
    [InlineData(30, 15, 15)]
    [InlineData(30, 10, 10)]
    [InlineData(25, 10, 10)]
    [InlineData(10, 15, 10)]
    public void Keeps_at_most_the_maximum_rate(double sourceFps, double maxFps, int expectedPerSecond)
    {
        var limiter = new FrameRateLimiter(maxFps);
        var jitter = new Random(7);
        int kept = 0;
        int frames = (int)(sourceFps * 10);
        for (int i = 0; i < frames; i++)
        {
            double seconds = i / sourceFps + (jitter.NextDouble() - 0.5) * 0.004;
            if (limiter.ShouldKeep((long)(seconds * Stopwatch.Frequency) + Stopwatch.Frequency))
            {
                kept++;
            }
        }

        Assert.InRange(kept, expectedPerSecond * 10 - 1, expectedPerSecond * 10 + 1);
        Assert.Equal(frames - kept, limiter.Skipped);
    }

    [Fact]
    public void A_long_gap_earns_no_burst()
    {
        var limiter = new FrameRateLimiter(10);
        long t = Stopwatch.Frequency;
        Assert.True(limiter.ShouldKeep(t));
        t += Stopwatch.Frequency * 5;
        Assert.True(limiter.ShouldKeep(t));
        Assert.False(limiter.ShouldKeep(t + Stopwatch.Frequency / 30));
        Assert.False(limiter.ShouldKeep(t + Stopwatch.Frequency / 15));
        Assert.True(limiter.ShouldKeep(t + Stopwatch.Frequency / 10));
    }
}
