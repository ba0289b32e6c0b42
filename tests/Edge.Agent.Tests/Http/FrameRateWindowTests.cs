using SegMan.Edge.Agent.Http;

namespace SegMan.Edge.Agent.Tests.Http;

public sealed class FrameRateWindowTests
{
    [Fact]
    public void Rate_is_frames_over_their_time_span()
    {
        var window = new FrameRateWindow(window: 2000, frequency: 1000);
        for (var t = 0; t <= 1000; t += 100)
        {
            window.Add(t);
        }

        Assert.Equal(10, window.RateAt(1000), precision: 6);
    }

    [Fact]
    public void Rate_falls_to_zero_when_frames_stop()
    {
        var window = new FrameRateWindow(window: 2000, frequency: 1000);
        for (var t = 0; t <= 1000; t += 50)
        {
            window.Add(t);
        }

        Assert.Equal(20, window.RateAt(1500), precision: 6);
        Assert.Equal(0, window.RateAt(3100));
    }

    [Fact]
    public void Only_frames_inside_the_window_count()
    {
        var window = new FrameRateWindow(window: 2000, frequency: 1000);
        for (var t = 0; t < 3000; t += 500)
        {
            window.Add(t); // 2 fps
        }

        for (var t = 3000; t <= 5000; t += 100)
        {
            window.Add(t); // then 10 fps
        }

        Assert.Equal(10, window.RateAt(5000), precision: 6);
    }

    [Fact]
    public void A_full_ring_uses_the_newest_frames()
    {
        var window = new FrameRateWindow(window: 2000, frequency: 1000, capacity: 8);
        for (var t = 0; t <= 1000; t += 10)
        {
            window.Add(t); // 100 fps, more than the ring holds for the window
        }

        Assert.Equal(100, window.RateAt(1000), precision: 6);
        Assert.Equal(0, new FrameRateWindow(2000, 1000).RateAt(0));
    }
}
