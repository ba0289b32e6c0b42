using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Tests.CameraPipelines;

public sealed class BackoffPolicyTests
{
    private readonly BackoffPolicy _policy = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2));

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(3, 400)]
    [InlineData(5, 1600)]
    public void Doubles_per_attempt_without_jitter_at_the_midpoint(int attempt, double expectedMs) =>
        Assert.Equal(expectedMs, _policy.DelayFor(attempt, 0.5).TotalMilliseconds, 3);

    [Fact]
    public void Is_capped_at_the_maximum_even_with_jitter()
    {
        Assert.Equal(2000, _policy.DelayFor(20, 1.0).TotalMilliseconds, 3);
        Assert.Equal(2000, _policy.DelayFor(int.MaxValue, 0.5).TotalMilliseconds, 3);
    }

    [Fact]
    public void Jitter_stays_within_twenty_percent()
    {
        Assert.Equal(80, _policy.DelayFor(1, 0).TotalMilliseconds, 3);
        Assert.Equal(120, _policy.DelayFor(1, 1).TotalMilliseconds, 3);
    }

    [Fact]
    public void Every_delay_lies_within_twenty_percent_of_the_capped_doubling_and_never_above_the_maximum()
    {
        var random = new Random(1);
        for (var attempt = 1; attempt <= 40; attempt++)
        {
            var ceiling = Math.Min(2000, 100 * Math.Pow(2, attempt - 1));
            var delay = _policy.DelayFor(attempt, random.NextDouble()).TotalMilliseconds;
            Assert.InRange(delay, 0.8 * ceiling, Math.Min(1.2 * ceiling, 2000));
        }
    }

    [Fact]
    public void Random_samples_spread_the_delays_of_one_attempt()
    {
        var random = new Random(7);
        var distinct = Enumerable.Range(0, 20).Select(_ => _policy.DelayFor(3, random.NextDouble())).Distinct().Count();
        Assert.True(distinct > 10, $"only {distinct} distinct delays");
    }

    [Fact]
    public void Attempts_count_from_one() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _policy.DelayFor(0, 0.5));
}
