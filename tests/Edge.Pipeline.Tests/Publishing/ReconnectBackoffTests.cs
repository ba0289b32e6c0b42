using SegMan.Edge.Pipeline.Publishing.Mqtt;

namespace SegMan.Edge.Pipeline.Tests.Publishing;

public class ReconnectBackoffTests
{
    [Fact]
    public void Delays_double_with_jitter_and_stop_at_the_cap()
    {
        var backoff = new ReconnectBackoff(new ReconnectBackoffOptions { InitialMs = 100, MaxMs = 1000 }, new Random(1));

        for (var attempt = 0; attempt < 40; attempt++)
        {
            var ceiling = Math.Min(1000, 100 * Math.Pow(2, attempt));
            var delay = backoff.Delay(attempt).TotalMilliseconds;
            Assert.InRange(delay, ceiling / 2, ceiling);
        }
    }

    [Fact]
    public void Jitter_spreads_the_delays()
    {
        var backoff = new ReconnectBackoff(new ReconnectBackoffOptions { InitialMs = 1000, MaxMs = 1000 }, new Random(7));
        var delays = Enumerable.Range(0, 20).Select(_ => backoff.Delay(5)).Distinct().Count();
        Assert.True(delays > 10, $"only {delays} distinct delays");
    }
}
