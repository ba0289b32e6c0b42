using System.Diagnostics;
using SegMan.Edge.Pipeline.Tests.Publishing.Support;

namespace SegMan.Edge.Integration.Tests.Reliability;

/// <summary>
/// Watches one topic of a subscriber and measures the longest time with no new message, from <see cref="Start"/> to
/// <see cref="StopAsync"/> (sampled every 25 ms): the stall a fleet manager would see.
/// </summary>
internal sealed class ArrivalGapMonitor(TestSubscriber subscriber, string topic)
{
    private static readonly TimeSpan Sample = TimeSpan.FromMilliseconds(25);
    private readonly CancellationTokenSource _stop = new();
    private Task<(TimeSpan MaxGap, int Arrived)>? _watching;

    public void Start() => _watching = Task.Run(WatchAsync);

    /// <summary>Stops watching; returns the longest gap (including the one still open) and how many messages arrived.</summary>
    public async Task<(TimeSpan MaxGap, int Arrived)> StopAsync()
    {
        await _stop.CancelAsync();
        var result = await (_watching ?? throw new InvalidOperationException("Start the monitor first."));
        _stop.Dispose();
        return result;
    }

    private async Task<(TimeSpan MaxGap, int Arrived)> WatchAsync()
    {
        var first = subscriber.On(topic).Count;
        var count = first;
        var clock = Stopwatch.StartNew();
        var lastArrival = TimeSpan.Zero;
        var maxGap = TimeSpan.Zero;
        while (!_stop.IsCancellationRequested)
        {
            await Task.Delay(Sample, CancellationToken.None);
            var now = subscriber.On(topic).Count;
            var elapsed = clock.Elapsed;
            if (now > count)
            {
                count = now;
                lastArrival = elapsed;
            }

            maxGap = TimeSpan.FromTicks(Math.Max(maxGap.Ticks, (elapsed - lastArrival).Ticks));
        }

        return (maxGap, count - first);
    }
}
