using SegMan.Edge.Pipeline.Publishing.Summaries;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Tests.Publishing;

public class SummaryAggregatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 3, 10, 0, 0, TimeSpan.Zero);

    private static StageTimings Timings(double inferenceMs, double otherMs = 0) => new()
    {
        Capture = TimeSpan.FromMilliseconds(otherMs),
        Inference = TimeSpan.FromMilliseconds(inferenceMs),
    };

    [Fact]
    public void Coverage_fps_and_latency_percentiles_of_a_window()
    {
        var aggregator = new SummaryAggregator(2, T0);
        for (var i = 1; i <= 100; i++)
        {
            aggregator.AddFrame(0, Timings(i, otherMs: 1), [i / 100f, 1 - i / 100f]);
        }

        var window = new SummaryWindow(2);
        aggregator.Close(T0.AddSeconds(10), window);

        Assert.Equal(1, window.Index);
        Assert.Equal(100, window.Frames);
        Assert.Equal(10.0, window.Fps, 6);
        Assert.Equal(2, window.ClassCount);
        Assert.Equal(0.505, window.CoverageMean[0], 5);
        Assert.Equal(0.01f, window.CoverageMin[0], 5);
        Assert.Equal(1f, window.CoverageMax[0], 5);
        Assert.Equal(0f, window.CoverageMin[1], 5);
        Assert.Equal(new LatencyPercentiles(50, 95, 99), window.InferenceLatencyMs);
        Assert.Equal(new LatencyPercentiles(51, 96, 100), window.TotalLatencyMs);
    }

    [Fact]
    public void Closing_starts_a_fresh_window()
    {
        var aggregator = new SummaryAggregator(1, T0);
        aggregator.AddFrame(0, Timings(10), [1f]);
        aggregator.AddError();
        var window = new SummaryWindow(1);
        aggregator.Close(T0.AddSeconds(10), window);

        aggregator.Close(T0.AddSeconds(20), window);

        Assert.Equal(2, window.Index);
        Assert.Equal(T0.AddSeconds(10), window.Start);
        Assert.Equal(0, window.Frames);
        Assert.Equal(0, window.Fps);
        Assert.Equal(0, window.ClassCount);
        Assert.Equal(0, window.Errors);
        Assert.Equal(default, window.TotalLatencyMs);
    }

    [Fact]
    public void Source_drops_are_counted_per_window_from_the_running_total()
    {
        var aggregator = new SummaryAggregator(1, T0);
        var window = new SummaryWindow(1);
        aggregator.AddFrame(3, Timings(1), [1f]);
        aggregator.AddFrame(5, Timings(1), [1f]);
        aggregator.Close(T0.AddSeconds(10), window);
        Assert.Equal(5, window.DroppedFrames);

        aggregator.AddFrame(9, Timings(1), [1f]);
        aggregator.Close(T0.AddSeconds(20), window);
        Assert.Equal(4, window.DroppedFrames);

        // The source was reopened and counts from zero again.
        aggregator.AddFrame(2, Timings(1), [1f]);
        aggregator.Close(T0.AddSeconds(30), window);
        Assert.Equal(2, window.DroppedFrames);
    }

    [Fact]
    public void Downtime_is_split_across_windows_and_reconnects_are_counted()
    {
        var aggregator = new SummaryAggregator(1, T0);
        var window = new SummaryWindow(1);

        aggregator.SourceDown(T0.AddSeconds(4));
        aggregator.SourceDown(T0.AddSeconds(5)); // another reconnect attempt of the same outage
        aggregator.Close(T0.AddSeconds(10), window);
        Assert.Equal(1, window.Outages);
        Assert.Equal(6, window.DownSeconds, 6);
        Assert.Equal(0, window.Reconnects);

        aggregator.SourceUp(T0.AddSeconds(13));
        aggregator.SourceDown(T0.AddSeconds(15));
        aggregator.SourceUp(T0.AddSeconds(16));
        aggregator.Close(T0.AddSeconds(20), window);
        Assert.Equal(1, window.Outages);
        Assert.Equal(4, window.DownSeconds, 6);
        Assert.Equal(2, window.Reconnects);
    }

    [Fact]
    public void More_classes_than_declared_grow_the_arrays_once()
    {
        var aggregator = new SummaryAggregator(1, T0);
        aggregator.AddFrame(0, Timings(1), [1f]);
        aggregator.AddFrame(0, Timings(1), [0.5f, 0.5f]);
        var window = new SummaryWindow(1);
        aggregator.Close(T0.AddSeconds(1), window);

        Assert.Equal(2, window.ClassCount);
        Assert.Equal(0.25, window.CoverageMean[1], 6);
        Assert.Equal(0f, window.CoverageMin[1]);
        Assert.Equal(0.5f, window.CoverageMax[1]);
    }

    [Fact]
    public void Feeding_frames_allocates_nothing()
    {
        var aggregator = new SummaryAggregator(19, T0);
        var fractions = new float[19];
        var timings = Timings(12.5, 1);
        for (var i = 0; i < 100; i++)
        {
            aggregator.AddFrame(i, timings, fractions);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            aggregator.AddFrame(i, timings, fractions);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Reservoir_is_exact_below_capacity_and_a_fair_sample_above_it()
    {
        var reservoir = new LatencyReservoir(1000);
        for (var i = 1; i <= 1000; i++)
        {
            reservoir.Add(i);
        }

        Assert.Equal(500, reservoir.Percentile(0.5));
        Assert.Equal(990, reservoir.Percentile(0.99));

        reservoir.Clear();
        for (var i = 1; i <= 100_000; i++)
        {
            reservoir.Add(i % 1000);
        }

        Assert.Equal(1000, reservoir.Count);
        Assert.InRange(reservoir.Percentile(0.5), 440, 560);
        Assert.InRange(reservoir.Percentile(0.95), 920, 980);
    }
}
