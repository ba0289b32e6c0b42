using SegMan.Edge.Pipeline.Capture;
using SegMan.Edge.Pipeline.Publishing.Mqtt;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Tests.Capture;

public sealed class BackoffOptionsTests
{
    [Fact]
    public void Doubles_from_the_initial_delay_up_to_the_cap()
    {
        // Jitter sample 0.5 is the midpoint, i.e. no jitter.
        var backoff = new BackoffOptions().ToPolicy();
        Assert.Equal([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000],
            Enumerable.Range(1, 8).Select(a => backoff.DelayFor(a, 0.5).TotalMilliseconds));
        Assert.Equal(TimeSpan.FromSeconds(30), backoff.DelayFor(10_000, 0.5));
    }

    [Fact]
    public void Cameras_and_mqtt_wait_by_the_same_policy_with_the_same_defaults()
    {
        Assert.Equal(BackoffPolicy.Default, new CameraOptions().Backoff.ToPolicy());
        Assert.Equal(BackoffPolicy.Default, new MqttOptions().ReconnectBackoff.ToPolicy());
        Assert.Equal(
            new BackoffPolicy(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(300)),
            new MqttOptions { ReconnectBackoff = new BackoffOptions { InitialMs = 50, MaxMs = 300 } }.ReconnectBackoff.ToPolicy());
    }

    [Fact]
    public void Defaults_match_the_documented_ones()
    {
        var options = new CameraOptions();
        Assert.Equal(500, options.Backoff.InitialMs);
        Assert.Equal(30_000, options.Backoff.MaxMs);
        Assert.Equal(10_000, options.OpenTimeoutMs);
        Assert.Equal(5_000, options.ReadTimeoutMs);
        Assert.Equal("tcp", options.Transport);
        Assert.Equal("auto", options.Kind);
    }
}
