using OpenCvSharp;
using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Publishing.Mqtt;
using SegMan.Edge.Pipeline.Running;
using SegMan.Edge.Pipeline.Tests.Publishing.Support;
using static SegMan.Edge.Pipeline.Tests.Publishing.Support.MqttIntegrationCollection;

namespace SegMan.Edge.Pipeline.Tests.Publishing;

/// <summary>The publisher against the in-process MQTTnet broker, observed by an MQTTnet subscriber (loopback only).</summary>
[Collection(MqttIntegrationCollection.Name)]
public sealed class EmbeddedBrokerPublisherTests : IAsyncLifetime
{
    private const string Root = "segman/robot-1";
    private readonly TestDirectory _directory = new();
    private readonly TestLogs _logs = new();
    private EmbeddedMqttBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _broker = new EmbeddedMqttBroker(0, _logs.For<EmbeddedMqttBroker>());
        await _broker.StartAsync(Within(Wait));
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _directory.Dispose();
    }

    private async Task<MqttResultPublisher> StartPublisherAsync(Action<MqttOptions>? configure = null, int? port = null, string spool = "spool", params string[] cameras)
    {
        var options = TestFrames.Options(port ?? _broker.Port, _directory.File(spool));
        configure?.Invoke(options);
        var publisher = new MqttResultPublisher(options, TestFrames.Device(cameras.Length == 0 ? ["front"] : cameras), _logs);
        await publisher.StartAsync(Within(Wait));
        return publisher;
    }

    [Fact(Timeout = 60_000)]
    public async Task Birth_is_retained_and_an_abrupt_disconnect_leaves_the_retained_offline_will()
    {
        await using var publisher = await StartPublisherAsync(o => o.ReconnectBackoff = new BackoffOptions { InitialMs = 3000, MaxMs = 3000 });
        await publisher.Connection.WaitUntilConnectedAsync(Within(Wait));

        await using (var late = await TestSubscriber.ConnectAsync(_broker.Port, Root + "/status"))
        {
            var birth = await late.WaitForAsync(m => true, Wait, "the retained birth");
            Assert.True(birth.Retain);
            Assert.Equal("online", birth.Json.GetProperty("state").GetString());
            Assert.Equal(["front"], birth.Json.GetProperty("cameras").EnumerateArray().Select(c => c.GetString()!));
            Assert.Equal("application/json", birth.ContentType);
        }

        await using var watcher = await TestSubscriber.ConnectAsync(_broker.Port, Root + "/status");
        await watcher.WaitForAsync(m => m.Text.Contains("online", StringComparison.Ordinal), Wait, "birth");

        publisher.AbortConnection(); // like kill -9: the socket closes without DISCONNECT

        var will = await watcher.WaitForAsync(m => m.Json.GetProperty("state").GetString() == "offline", Wait, "the will");
        Assert.Equal("lost", will.Json.GetProperty("reason").GetString());
        await using (var whileAway = await TestSubscriber.ConnectAsync(_broker.Port, Root + "/status"))
        {
            var retained = await whileAway.WaitForAsync(m => true, Wait, "the retained status while away");
            Assert.True(retained.Retain);
            Assert.Equal("offline", retained.Json.GetProperty("state").GetString());
        }

        // The birth is published again on reconnect, after the will.
        await watcher.WaitForAsync(m => watcher.Received.ToList().IndexOf(m) > watcher.Received.ToList().IndexOf(will)
            && m.Json.GetProperty("state").GetString() == "online", Wait, "the rebirth");
        await WaitUntilAsync(() => publisher.Connection.Counters.Connects == 2, "the second connect to be counted");
        Assert.Equal(1, publisher.Connection.Counters.ConnectionLosses);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_new_camera_list_is_published_at_once_in_the_retained_birth_and_kept_for_reconnects()
    {
        await using var publisher = await StartPublisherAsync(o => o.ReconnectBackoff = new BackoffOptions { InitialMs = 50, MaxMs = 50 });
        await publisher.Connection.WaitUntilConnectedAsync(Within(Wait));
        await using var watcher = await TestSubscriber.ConnectAsync(_broker.Port, Root + "/status");
        await watcher.WaitForAsync(m => m.Text.Contains("online", StringComparison.Ordinal), Wait, "birth");

        await publisher.UpdateCamerasAsync(["front", "rear/2"], Within(Wait));

        static bool BothCameras(ReceivedMessage m) =>
            m.Json.GetProperty("state").GetString() == "online"
            && m.Json.GetProperty("cameras").EnumerateArray().Select(c => c.GetString()).SequenceEqual(["front", "rear_2"]);
        await watcher.WaitForAsync(BothCameras, Wait, "the birth with both cameras");
        await using (var early = await TestSubscriber.ConnectAsync(_broker.Port, Root + "/status"))
        {
            var birth = await early.WaitForAsync(m => true, Wait, "the retained birth");
            Assert.True(birth.Retain);
            Assert.True(BothCameras(birth), birth.Text);
        }

        // A reconnect publishes the new birth, not the one of start-up.
        publisher.AbortConnection();
        await WaitUntilAsync(() => publisher.Connection.Counters.Connects == 2, "the second connect");
        await using var late = await TestSubscriber.ConnectAsync(_broker.Port, Root + "/status");
        var retained = await late.WaitForAsync(m => m.Json.GetProperty("state").GetString() == "online", Wait, "the retained birth after the reconnect");
        Assert.True(BothCameras(retained), retained.Text);
    }

    [Fact(Timeout = 60_000)]
    public async Task Stats_are_json_at_qos1_with_expiry_every_n_frames()
    {
        await using var subscriber = await TestSubscriber.ConnectAsync(_broker.Port, Root + "/#");
        await using var publisher = await StartPublisherAsync(o => { o.StatsEveryNFrames = 3; o.StatsExpirySeconds = 7; });
        await publisher.Connection.WaitUntilConnectedAsync(Within(Wait));

        using var frame = new Running.FrameContext("front");
        for (var sequence = 0; sequence < 9; sequence++)
        {
            TestFrames.Fill(frame, sequence, [0.5f, 0.3f, 0.2f], dropped: sequence);
            await publisher.PublishAsync(frame, CancellationToken.None);
        }

        var stats = await subscriber.WaitForCountAsync(Root + "/front/stats", 3, Wait);
        Assert.Equal([0L, 3L, 6L], stats.Select(s => s.Json.GetProperty("sequence").GetInt64()).Order());
        var last = stats.Single(s => s.Json.GetProperty("sequence").GetInt64() == 6);
        Assert.Equal(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce, last.QualityOfService);
        Assert.False(last.Retain);
        Assert.Equal("application/json", last.ContentType);
        Assert.InRange(last.MessageExpiryInterval, 1u, 7u);
        Assert.Equal(6, last.Json.GetProperty("droppedFrames").GetInt64());
        Assert.Equal(0.3, last.Json.GetProperty("classes").GetProperty("sidewalk").GetDouble(), 5);
        Assert.Equal(26, last.Json.GetProperty("latencyMs").GetProperty("inference").GetDouble());
        await WaitUntilAsync(() => publisher.GetMetrics().StatsPublished == 3, "three acknowledged stats");
    }

    [Fact(Timeout = 60_000)]
    public async Task Mask_carries_png_bytes_content_type_and_user_properties()
    {
        await using var subscriber = await TestSubscriber.ConnectAsync(_broker.Port, Root + "/+/mask");
        await using var publisher = await StartPublisherAsync();
        await publisher.Connection.WaitUntilConnectedAsync(Within(Wait));
        using var frame = TestFrames.Frame("front", 1234);
        var png = TestFrames.AttachPngMask(frame, width: 8, height: 4);

        await publisher.PublishAsync(frame, CancellationToken.None);

        var mask = await subscriber.WaitForAsync(m => true, Wait, "a mask");
        Assert.Equal(Root + "/front/mask", mask.Topic);
        Assert.Equal("image/png", mask.ContentType);
        Assert.Equal(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtMostOnce, mask.QualityOfService);
        Assert.False(mask.Retain);
        Assert.Equal("8", mask.UserProperties["width"]);
        Assert.Equal("4", mask.UserProperties["height"]);
        Assert.Equal("1234", mask.UserProperties["sequence"]);
        Assert.Equal("png", mask.UserProperties["format"]);
        Assert.Equal("front", mask.UserProperties["camera"]);
        Assert.Equal(png, mask.Payload);
        using var decoded = Cv2.ImDecode(mask.Payload, ImreadModes.Unchanged);
        Assert.Equal(new Size(8, 4), decoded.Size());
        Assert.Equal(1, decoded.Channels());
        for (var y = 0; y < 4; y++)
        {
            for (var x = 0; x < 8; x++)
            {
                Assert.Equal((byte)((x + y) % 3), decoded.At<byte>(y, x));
            }
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Summaries_and_camera_status_report_frames_coverage_and_gaps()
    {
        await using var subscriber = await TestSubscriber.ConnectAsync(_broker.Port, Root + "/#");
        await using var publisher = await StartPublisherAsync();
        await publisher.Connection.WaitUntilConnectedAsync(Within(Wait));

        using var frame = new Running.FrameContext("front");
        for (var sequence = 0; sequence < 10; sequence++)
        {
            TestFrames.Fill(frame, sequence, [0.1f * sequence, 0.5f, 0.5f - 0.1f * sequence]);
            await publisher.PublishAsync(frame, CancellationToken.None);
        }

        await publisher.ReportFrameErrorAsync("front", "inference", CancellationToken.None);
        await publisher.ReportSourceStateAsync("front", SourceState.Reconnecting, "read timeout", CancellationToken.None);
        var down = await subscriber.WaitForAsync(m => m.Topic == Root + "/front/status", Wait, "camera status");
        Assert.Equal("reconnecting", down.Json.GetProperty("state").GetString());
        Assert.Equal("read timeout", down.Json.GetProperty("detail").GetString());
        await Task.Delay(200);
        await publisher.ReportSourceStateAsync("front", SourceState.Streaming, null, CancellationToken.None);
        await subscriber.WaitForAsync(m => m.Topic == Root + "/front/status" && m.Text.Contains("streaming", StringComparison.Ordinal), Wait, "streaming status");

        publisher.CloseSummaryWindows();

        var summary = (await subscriber.WaitForCountAsync(Root + "/front/summary", 1, Wait))[0];
        var json = summary.Json;
        Assert.Equal(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce, summary.QualityOfService);
        Assert.Equal(10, json.GetProperty("frames").GetInt64());
        Assert.Equal(1, json.GetProperty("errors").GetInt64());
        Assert.Equal(0.45, json.GetProperty("coverage").GetProperty("road").GetProperty("mean").GetDouble(), 4);
        Assert.Equal(0.9, json.GetProperty("coverage").GetProperty("road").GetProperty("max").GetDouble(), 4);
        Assert.Equal(24, json.GetProperty("latencyMs").GetProperty("inference").GetProperty("p50").GetDouble());
        var gaps = json.GetProperty("gaps");
        Assert.Equal(1, gaps.GetProperty("outages").GetInt32());
        Assert.Equal(1, gaps.GetProperty("reconnects").GetInt32());
        Assert.InRange(gaps.GetProperty("downSeconds").GetDouble(), 0.15, 5);
        await WaitUntilAsync(() => publisher.Spool!.Count == 0, "the spool to empty after PUBACK");
    }

    [Fact(Timeout = 60_000)]
    public async Task Ids_are_sanitised_in_topics()
    {
        await using var subscriber = await TestSubscriber.ConnectAsync(_broker.Port, "segman/#");
        await using var publisher = await StartPublisherAsync(o => o.DeviceId = "robot/7+", cameras: "front#left");
        await publisher.Connection.WaitUntilConnectedAsync(Within(Wait));
        using var frame = TestFrames.Frame("front#left", 1);

        await publisher.PublishAsync(frame, CancellationToken.None);

        var stats = await subscriber.WaitForAsync(m => m.Topic.EndsWith("/stats", StringComparison.Ordinal), Wait, "stats");
        Assert.Equal("segman/robot_7_/front_left/stats", stats.Topic);
        Assert.Equal("front_left", stats.Json.GetProperty("camera").GetString());
        var birth = await subscriber.WaitForAsync(m => m.Topic.EndsWith("/status", StringComparison.Ordinal), Wait, "birth");
        Assert.Equal("segman/robot_7_/status", birth.Topic);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_broker_that_starts_later_is_found_and_frames_meanwhile_are_dropped_and_counted()
    {
        var port = TestPorts.Free();
        await using var publisher = await StartPublisherAsync(port: port);
        using var frame = TestFrames.Frame("front", 1);
        TestFrames.AttachPngMask(frame);
        await WaitUntilAsync(() => publisher.Connection.Counters.FailedAttempts >= 2, "failed attempts");
        Assert.False(publisher.Connection.IsConnected);
        Assert.Contains("connection refused", publisher.Connection.LastError, StringComparison.Ordinal);

        await publisher.PublishAsync(frame, CancellationToken.None);
        await publisher.PublishAsync(frame, CancellationToken.None);
        publisher.CloseSummaryWindows(); // spooled, not lost

        var metrics = publisher.GetMetrics();
        Assert.Equal(2, metrics.StatsDropped);
        Assert.Equal(2, metrics.MasksDropped);
        Assert.Equal(1, metrics.SpoolCount);
        Assert.True(publisher.Spool!.TryPeek(out var spooled));
        var drops = System.Text.Json.JsonDocument.Parse(spooled.Payload).RootElement.GetProperty("publishing");
        Assert.Equal(2, drops.GetProperty("statsDropped").GetInt64());
        Assert.Equal(2, drops.GetProperty("masksDropped").GetInt64());

        await using var lateBroker = new EmbeddedMqttBroker(port, _logs.For<EmbeddedMqttBroker>());
        await lateBroker.StartAsync(Within(Wait));
        await publisher.Connection.WaitUntilConnectedAsync(Within(Wait));
        await WaitUntilAsync(() => publisher.Spool.Count == 0, "the spooled summary to be delivered");
        Assert.NotNull(await lateBroker.Server.GetRetainedMessageAsync(Root + "/status"));
        await WaitUntilAsync(() => publisher.GetMetrics().SummariesPublished == 1, "the summary to be counted");
        await publisher.StopAsync(Within(Wait));
    }

    [Fact(Timeout = 60_000)]
    public async Task Summaries_left_in_the_spool_by_a_previous_run_are_delivered_first_and_in_order()
    {
        var port = TestPorts.Free();
        var first = await StartPublisherAsync(port: port, spool: "shared-spool");
        for (var i = 0; i < 3; i++)
        {
            using var frame = TestFrames.Frame("front", i);
            await first.PublishAsync(frame, CancellationToken.None);
            first.CloseSummaryWindows();
        }

        Assert.Equal(3, first.Spool!.Count);
        await first.DisposeAsync(); // no broker: nothing was sent; stopping spools the last, partial window too
        Assert.Equal(4, first.Spool.Count);

        await using var broker = new EmbeddedMqttBroker(port, _logs.For<EmbeddedMqttBroker>());
        await broker.StartAsync(Within(Wait));
        await using var subscriber = await TestSubscriber.ConnectAsync(port, Root + "/front/summary");
        await using var second = await StartPublisherAsync(port: port, spool: "shared-spool");
        await second.Connection.WaitUntilConnectedAsync(Within(Wait));
        second.CloseSummaryWindows();

        var summaries = await subscriber.WaitForCountAsync(Root + "/front/summary", 5, Wait);
        Assert.Equal([1L, 2L, 3L, 4L, 1L], summaries.Select(s => s.Json.GetProperty("window").GetInt64()));
        Assert.Equal([1L, 1L, 1L, 0L, 0L], summaries.Select(s => s.Json.GetProperty("frames").GetInt64()));
    }

    [Fact(Timeout = 60_000)]
    public async Task Clean_stop_replaces_the_birth_with_a_retained_offline_status()
    {
        var publisher = await StartPublisherAsync();
        await publisher.Connection.WaitUntilConnectedAsync(Within(Wait));

        await publisher.StopAsync(Within(Wait));

        var retained = await _broker.Server.GetRetainedMessageAsync(Root + "/status");
        var json = System.Text.Json.JsonDocument.Parse(System.Buffers.BuffersExtensions.ToArray(retained.Payload)).RootElement;
        Assert.Equal("offline", json.GetProperty("state").GetString());
        Assert.Equal("stopped", json.GetProperty("reason").GetString());
        Assert.Equal(MqttConnectionState.Stopped, publisher.Connection.State);
        await publisher.DisposeAsync();
    }

    [Fact(Timeout = 60_000)]
    public async Task A_link_that_goes_silent_is_detected_by_the_ping_watchdog_and_reconnected()
    {
        await using var proxy = new FreezableTcpProxy(_broker.Port);
        await using var publisher = await StartPublisherAsync(o => { o.KeepAliveSeconds = 1; o.TimeoutSeconds = 1; }, port: proxy.Port);
        await publisher.Connection.WaitUntilConnectedAsync(Within(Wait));

        proxy.Freeze(); // sockets stay open, nothing gets through: only pings can tell
        using var frame = TestFrames.Frame("front", 1);
        await publisher.PublishAsync(frame, CancellationToken.None);
        await WaitUntilAsync(() => publisher.Connection.Counters.ConnectionLosses == 1, "the silent link to be noticed");
        Assert.False(publisher.Connection.IsConnected);

        proxy.Thaw();
        await WaitUntilAsync(() => publisher.Connection.Counters.Connects == 2, "the reconnect through the thawed link");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_summary_whose_PUBACK_does_not_come_ends_the_session_and_goes_again_only_on_the_next()
    {
        // The broker holds the first summary (and so its PUBACK) until the test lets it go.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var summariesSeen = 0;
        _broker.Server.InterceptingPublishAsync += async e =>
        {
            if (e.ApplicationMessage.Topic.EndsWith("/summary", StringComparison.Ordinal) && Interlocked.Increment(ref summariesSeen) == 1)
            {
                await release.Task.WaitAsync(Wait);
            }
        };
        await using var subscriber = await TestSubscriber.ConnectAsync(_broker.Port, Root + "/front/summary");

        // A long keep-alive: only the PUBACK timeout can end this session within the test.
        await using var publisher = await StartPublisherAsync(o => { o.KeepAliveSeconds = 600; o.TimeoutSeconds = 1; });
        await publisher.Connection.WaitUntilConnectedAsync(Within(Wait));
        using var frame = TestFrames.Frame("front", 1);
        await publisher.PublishAsync(frame, CancellationToken.None);
        publisher.CloseSummaryWindows();

        await WaitUntilAsync(() => publisher.Connection.Counters.ConnectionLosses == 1, "the session without PUBACK to be ended");
        Assert.Contains("no PUBACK", _logs.All, StringComparison.Ordinal);
        Assert.Equal(1, Volatile.Read(ref summariesSeen)); // not sent again on the session that may still deliver it
        release.SetResult();

        await WaitUntilAsync(() => publisher.Spool!.Count == 0, "the summary to be delivered on the next session");
        Assert.Equal(2, publisher.Connection.Counters.Connects);
        Assert.Equal(2, Volatile.Read(ref summariesSeen));
        Assert.Equal(1, publisher.GetMetrics().SummariesPublished);
        var received = await subscriber.WaitForCountAsync(Root + "/front/summary", 1, Wait);
        Assert.All(received, s => Assert.Equal(1L, s.Json.GetProperty("window").GetInt64())); // at least once: a duplicate keeps its window
    }

    [Fact(Timeout = 60_000)]
    public async Task Embedded_broker_on_a_taken_port_says_so()
    {
        await using var second = new EmbeddedMqttBroker(_broker.Port, _logs.For<EmbeddedMqttBroker>());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => second.StartAsync(Within(Wait)));

        Assert.Contains($"127.0.0.1:{_broker.Port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("already in use", error.Message, StringComparison.Ordinal);
        Assert.Contains("SegMan:Mqtt:Port", error.Message, StringComparison.Ordinal);
    }
}
