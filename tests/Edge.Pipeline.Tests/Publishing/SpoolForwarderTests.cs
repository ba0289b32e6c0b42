using System.Text;
using MQTTnet;
using Microsoft.Extensions.Logging.Abstractions;
using SegMan.Edge.Pipeline.Publishing.Mqtt;
using SegMan.Edge.Pipeline.Publishing.Spool;
using SegMan.Edge.Pipeline.Tests.Publishing.Support;

namespace SegMan.Edge.Pipeline.Tests.Publishing;

/// <summary>The spool forwarder step by step against sessions and PUBACKs that the test controls.</summary>
public sealed class SpoolForwarderTests : IDisposable
{
    private const string Topic = "segman/robot-1/front/summary";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TestDirectory _directory = new();
    private readonly FakeSessionPublisher _link = new();
    private readonly CancellationTokenSource _stop = new();

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task Kicks_while_a_PUBACK_is_late_start_no_second_send_and_an_acknowledged_summary_never_goes_again()
    {
        var spool = OpenSpool(1, 2);
        using var forwarder = new SpoolForwarder(spool, _link, NullLogger.Instance);
        _link.StartSession();
        var run = forwarder.RunAsync(_stop.Token);

        var first = await _link.NextSendAsync();
        Assert.Equal(Window(1), first.Payload);
        // Everything that wakes the forwarder while the PUBACK is late: a new summary, reconnect notices.
        spool.Append(Topic, Encoding.UTF8.GetBytes(Window(3)));
        for (var i = 0; i < 5; i++)
        {
            forwarder.Notify();
        }

        await AssertLoopedTwiceAsync(forwarder, after: 0, stillBusy: true);
        Assert.False(_link.HasUntakenSend);
        first.Acknowledge();
        (await _link.NextSendAsync()).Acknowledge();
        (await _link.NextSendAsync()).Acknowledge();
        await WaitUntilAsync(() => spool.Count == 0);

        await AssertLoopedTwiceAsync(forwarder, after: 0);
        await StopAsync(run);
        Assert.Equal([(Window(1), 1L), (Window(2), 1L), (Window(3), 1L)], _link.Sends);
        Assert.Equal(1, _link.MaxInFlight);
        Assert.Equal(3, _link.Counters.Published(MessageKind.Summary));
    }

    [Fact]
    public async Task A_summary_whose_outcome_is_unknown_goes_again_only_on_a_later_session()
    {
        var spool = OpenSpool(1, 2);
        using var forwarder = new SpoolForwarder(spool, _link, NullLogger.Instance);
        _link.StartSession();
        var run = forwarder.RunAsync(_stop.Token);

        var first = await _link.NextSendAsync();
        var waitingForNext = _link.WaitingForSessionAfter(1);
        first.TimeOut(); // the broker may have it; session 1 even still looks up
        await waitingForNext.WaitAsync(Wait);
        forwarder.Notify();
        Assert.False(_link.HasUntakenSend);
        Assert.Single(_link.Sends);
        Assert.Equal(2, spool.Count);

        _link.StartSession();
        var again = await _link.NextSendAsync();
        Assert.Equal((Window(1), 2L), (again.Payload, again.Session));
        again.Acknowledge();
        (await _link.NextSendAsync()).Acknowledge();
        await WaitUntilAsync(() => spool.Count == 0);

        await StopAsync(run);
        Assert.Equal([(Window(1), 1L), (Window(1), 2L), (Window(2), 2L)], _link.Sends);
    }

    [Fact]
    public async Task A_session_that_ends_under_a_send_makes_it_go_again_on_the_next_one()
    {
        var spool = OpenSpool(1);
        using var forwarder = new SpoolForwarder(spool, _link, NullLogger.Instance);
        _link.StartSession();
        var run = forwarder.RunAsync(_stop.Token);

        var first = await _link.NextSendAsync();
        _link.EndSession();
        first.TimeOut();
        _link.StartSession();
        (await _link.NextSendAsync()).Acknowledge();
        await WaitUntilAsync(() => spool.Count == 0);

        await StopAsync(run);
        Assert.Equal([(Window(1), 1L), (Window(1), 2L)], _link.Sends);
    }

    [Fact]
    public async Task A_permanently_refused_summary_is_dropped_and_counted_and_a_busy_broker_is_asked_again()
    {
        var spool = OpenSpool(1, 2);
        var refused = new List<string>();
        using var forwarder = new SpoolForwarder(spool, _link, NullLogger.Instance, refused.Add);
        _link.StartSession();
        var run = forwarder.RunAsync(_stop.Token);

        (await _link.NextSendAsync()).Refuse(MqttClientPublishReasonCode.NotAuthorized);
        var second = await _link.NextSendAsync();
        Assert.Equal(Window(2), second.Payload);
        second.Refuse(MqttClientPublishReasonCode.QuotaExceeded); // not taken: asking again is no duplicate
        var retry = await _link.NextSendAsync();
        Assert.Equal((Window(2), 1L), (retry.Payload, retry.Session));
        retry.Acknowledge();
        await WaitUntilAsync(() => spool.Count == 0);

        await StopAsync(run);
        Assert.Equal([Topic], refused);
        Assert.Equal(1, _link.Counters.Dropped(MessageKind.Summary));
        Assert.Equal(1, _link.Counters.Published(MessageKind.Summary));
    }

    [Fact]
    public async Task A_second_delivery_loop_is_refused()
    {
        using var forwarder = new SpoolForwarder(OpenSpool(1), _link, NullLogger.Instance);
        var run = forwarder.RunAsync(_stop.Token);

        await Assert.ThrowsAsync<InvalidOperationException>(() => forwarder.RunAsync(_stop.Token));

        await StopAsync(run);
        Assert.Empty(_link.Sends);
    }

    private static string Window(int window) => $$"""{"window":{{window}}}""";

    private SummarySpool OpenSpool(params int[] windows)
    {
        var spool = SummarySpool.Open(_directory.File("spool"), 1 << 20, NullLogger.Instance);
        foreach (var window in windows)
        {
            spool.Append(Topic, Encoding.UTF8.GetBytes(Window(window)));
        }

        return spool;
    }

    /// <summary>
    /// Kicks the forwarder and waits until it has gone round its loop twice, so that whatever one wake-up
    /// could make it send has been sent. While a send is pending (<paramref name="stillBusy"/>) it does not loop.
    /// </summary>
    private async Task AssertLoopedTwiceAsync(SpoolForwarder forwarder, long after, bool stillBusy = false)
    {
        for (var round = 0; round < 2; round++)
        {
            var looped = _link.WaitingForSessionAfter(after);
            forwarder.Notify();
            if (stillBusy)
            {
                var first = await Task.WhenAny(looped, Task.Delay(TimeSpan.FromMilliseconds(200)));
                Assert.NotSame(looped, first); // it went round while its send was pending
                return;
            }

            await looped.WaitAsync(Wait);
        }
    }

    private async Task StopAsync(Task run)
    {
        await _stop.CancelAsync();
        await run.WaitAsync(Wait);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(10);
        }
    }
}
