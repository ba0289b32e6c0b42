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
}
