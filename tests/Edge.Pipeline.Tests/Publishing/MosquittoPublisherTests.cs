using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Publishing.Mqtt;
using SegMan.Edge.Pipeline.Running;
using SegMan.Edge.Pipeline.Tests.Publishing.Support;
using static SegMan.Edge.Pipeline.Tests.Publishing.Support.MqttIntegrationCollection;

namespace SegMan.Edge.Pipeline.Tests.Publishing;

/// <summary>The publisher against a real mosquitto 2 on a free loopback port, including a broker outage.</summary>
[Collection(MqttIntegrationCollection.Name)]
public sealed class MosquittoPublisherTests : IAsyncLifetime
{
    private const string Root = "segman/robot-1";
    private const string SummaryTopic = Root + "/front/summary";
    private readonly TestDirectory _directory = new();
    private readonly TestLogs _logs = new();
    private MosquittoBroker _mosquitto = null!;

    public async Task InitializeAsync() => _mosquitto = await MosquittoBroker.StartAsync(_directory.Path);

    public async Task DisposeAsync()
    {
        await _mosquitto.DisposeAsync();
        _directory.Dispose();
    }

    [Fact(Timeout = 90_000)]
    public async Task Summaries_survive_a_broker_outage_in_order_while_stats_and_masks_are_dropped_and_counted()
    {
        await using var fleet = await TestSubscriber.ConnectAsync(_mosquitto.Port, Root + "/#", persistentClientId: "fleet-manager");
        await using var publisher = new MqttResultPublisher(
            TestFrames.Options(_mosquitto.Port, _directory.File("spool")), TestFrames.Device("front"), _logs);
        await publisher.StartAsync(Within(Wait));
        await publisher.Connection.WaitUntilConnectedAsync(Within(Wait));
        using var frame = new FrameContext("front");
        var sequence = 0L;

        async Task PublishFramesAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                TestFrames.Fill(frame, sequence++);
                TestFrames.AttachPngMask(frame);
                await publisher.PublishAsync(frame, CancellationToken.None);
            }
        }

        // Normal operation: everything arrives, once.
        await fleet.WaitForAsync(m => m.Topic == Root + "/status" && m.Text.Contains("online", StringComparison.Ordinal), Wait, "birth");
        await PublishFramesAsync(5);
        publisher.CloseSummaryWindows();
        await fleet.WaitForCountAsync(Root + "/front/stats", 5, Wait);
        await fleet.WaitForCountAsync(Root + "/front/mask", 5, Wait);
        var beforeOutage = await fleet.WaitForCountAsync(SummaryTopic, 1, Wait);
        Assert.Equal([1L], Windows(beforeOutage));
        var birthsBefore = fleet.On(Root + "/status").Count(m => m.Text.Contains("online", StringComparison.Ordinal));

        // The broker goes away; the agent keeps working.
        await _mosquitto.StopAsync();
        await WaitUntilAsync(() => !publisher.Connection.IsConnected, "the publisher to notice the outage");
        for (var window = 0; window < 3; window++)
        {
            await PublishFramesAsync(4);
            publisher.CloseSummaryWindows();
        }

        var away = publisher.GetMetrics();
        Assert.Equal(12, away.StatsDropped);
        Assert.Equal(12, away.MasksDropped);
        Assert.Equal(3, away.SpoolCount);
        // Waited for, not slept on: under a loaded machine the first refused reconnect can come after any fixed delay.
        await WaitUntilAsync(() => publisher.Connection.Counters.FailedAttempts >= 1, "a failed reconnect attempt");
        Assert.Contains("connection refused", publisher.Connection.LastError, StringComparison.Ordinal);

        // The broker returns: the spool drains in order, the birth is republished.
        await _mosquitto.StartAgainAsync();
        await fleet.ReconnectAsync(Wait);
        await publisher.Connection.WaitUntilConnectedAsync(Within(Wait));
        await PublishFramesAsync(2);
        publisher.CloseSummaryWindows();

        // The publisher sends each summary once, in order. The only copy tolerated is the broker's own
        // redelivery (DUP) of a summary the fleet had received but not yet acknowledged when the broker stopped:
        // its persistent session resumes with it.
        await fleet.WaitForAsync(_ => FirstCopies(fleet).Count >= 5, Wait, "five summaries");
        var summaries = FirstCopies(fleet);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], Windows(summaries));
        Assert.All(Redeliveries(fleet), again => Assert.Contains(Window(again), Windows(beforeOutage)));
        Assert.Equal([5L, 4L, 4L, 4L, 2L], summaries.Select(s => s.Json.GetProperty("frames").GetInt64()));
        var firstAway = summaries[1].Json.GetProperty("publishing");
        Assert.Equal(4, firstAway.GetProperty("statsDropped").GetInt64());
        Assert.Equal(4, firstAway.GetProperty("masksDropped").GetInt64());
        await fleet.WaitForAsync(
            _ => fleet.On(Root + "/status").Count(m => m.Text.Contains("online", StringComparison.Ordinal)) > birthsBefore, Wait, "the birth after reconnect");
        await WaitUntilAsync(() => publisher.Spool!.Count == 0, "the spool to empty");
        Assert.Equal(1, publisher.Connection.Counters.ConnectionLosses);
        Assert.Equal(2, publisher.Connection.Counters.Connects);
        await fleet.WaitForCountAsync(Root + "/front/stats", 7, Wait);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], Windows(FirstCopies(fleet)));
        Assert.Equal(5, publisher.GetMetrics().SummariesPublished);
    }

    private static long Window(ReceivedMessage summary) => summary.Json.GetProperty("window").GetInt64();

    private static long[] Windows(IEnumerable<ReceivedMessage> summaries) => summaries.Select(Window).ToArray();

    /// <summary>Summaries as the broker first delivered them: without its DUP redeliveries.</summary>
    private static IReadOnlyList<ReceivedMessage> FirstCopies(TestSubscriber fleet) => fleet.On(SummaryTopic).Where(m => !m.Duplicate).ToArray();

    private static IReadOnlyList<ReceivedMessage> Redeliveries(TestSubscriber fleet) => fleet.On(SummaryTopic).Where(m => m.Duplicate).ToArray();

    [Fact(Timeout = 60_000)]
    public async Task Retained_birth_will_and_camera_status_with_mosquitto()
    {
        await using var publisher = new MqttResultPublisher(
            TestFrames.Options(_mosquitto.Port, _directory.File("spool")), TestFrames.Device("front", "rear"), _logs);
        await publisher.StartAsync(Within(Wait));
        await publisher.Connection.WaitUntilConnectedAsync(Within(Wait));
        await publisher.ReportSourceStateAsync("rear", SourceState.Failed, "device unplugged", CancellationToken.None);
        await WaitUntilAsync(() => publisher.GetMetrics().StatusesPublished >= 2, "the camera status");

        await using (var late = await TestSubscriber.ConnectAsync(_mosquitto.Port, Root + "/#"))
        {
            var birth = await late.WaitForAsync(m => m.Topic == Root + "/status", Wait, "retained birth");
            Assert.True(birth.Retain);
            Assert.Equal(["front", "rear"], birth.Json.GetProperty("cameras").EnumerateArray().Select(c => c.GetString()!));
            var rear = await late.WaitForAsync(m => m.Topic == Root + "/rear/status", Wait, "retained camera status");
            Assert.True(rear.Retain);
            Assert.Equal("failed", rear.Json.GetProperty("state").GetString());
            Assert.Equal("device unplugged", rear.Json.GetProperty("detail").GetString());
        }

        await using var watcher = await TestSubscriber.ConnectAsync(_mosquitto.Port, Root + "/status");
        await watcher.WaitForAsync(m => m.Text.Contains("online", StringComparison.Ordinal), Wait, "birth");
        publisher.AbortConnection();
        await watcher.WaitForAsync(m => m.Text.Contains("\"lost\"", StringComparison.Ordinal), Wait, "the will from mosquitto");
        await WaitUntilAsync(() => watcher.On(Root + "/status").Count(m => m.Text.Contains("online", StringComparison.Ordinal)) >= 2, "the rebirth");

        await publisher.StopAsync(Within(Wait));
        await using var after = await TestSubscriber.ConnectAsync(_mosquitto.Port, Root + "/status");
        var retained = await after.WaitForAsync(m => true, Wait, "the retained offline status");
        Assert.Equal("offline", retained.Json.GetProperty("state").GetString());
        Assert.Equal("stopped", retained.Json.GetProperty("reason").GetString());
    }
}
