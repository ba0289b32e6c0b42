using SegMan.Edge.Pipeline.Publishing.Mqtt;
using SegMan.Edge.Pipeline.Running;
using SegMan.Edge.Pipeline.Tests.Publishing.Support;
using Xunit.Abstractions;
using static SegMan.Edge.Pipeline.Tests.Publishing.Support.MqttIntegrationCollection;

namespace SegMan.Edge.Pipeline.Tests.Publishing;

/// <summary>
/// Bytes allocated per published frame (stats + PNG mask), against mosquitto so that no broker runs in
/// this process: on the pipeline's thread (our hot path) and in the whole process (MQTTnet included).
/// </summary>
[Collection(MqttIntegrationCollection.Name)]
public sealed class PublisherAllocationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Frames = 2000;
    private readonly TestDirectory _directory = new();
    private MosquittoBroker _mosquitto = null!;

    public async Task InitializeAsync() => _mosquitto = await MosquittoBroker.StartAsync(_directory.Path);

    public async Task DisposeAsync()
    {
        await _mosquitto.DisposeAsync();
        _directory.Dispose();
    }

    [Fact(Timeout = 90_000)]
    public async Task Publishing_a_frame_allocates_little()
    {
        var options = TestFrames.Options(_mosquitto.Port, _directory.File("spool"));
        options.OutboundQueueCapacity = Frames * 2; // measure the sending path, not the drop path
        await using var publisher = new MqttResultPublisher(options, TestFrames.Device("front"), new TestLogs());
        await publisher.StartAsync(Within(Wait));
        await publisher.Connection.WaitUntilConnectedAsync(Within(Wait));
        using var frame = new FrameContext("front");
        TestFrames.Fill(frame, 0, new float[19]);
        TestFrames.AttachPngMask(frame, 64, 32);

        await PublishAsync(publisher, frame, 0, 300); // warm pools, JIT and MQTTnet buffers
        await WaitUntilAsync(() => publisher.GetMetrics().MasksPublished == 300, "the warm-up to be sent");

        var processBefore = GC.GetTotalAllocatedBytes(precise: true);
        var threadBytes = await PublishAsync(publisher, frame, 300, Frames);
        var counters = publisher.Connection.Counters;
        var deadline = DateTime.UtcNow + Wait;
        while ((counters.Published(MessageKind.Mask) < 300 + Frames || counters.Published(MessageKind.Stats) < 300 + Frames) && DateTime.UtcNow < deadline)
        {
            Thread.Yield();
        }

        var processBytes = GC.GetTotalAllocatedBytes(precise: true) - processBefore;

        var metrics = publisher.GetMetrics();
        output.WriteLine($"pipeline thread: {threadBytes / (double)Frames:F1} B/frame; whole process (MQTTnet included): {processBytes / (double)Frames:F0} B/frame; " +
                         $"stats {metrics.StatsPublished}, masks {metrics.MasksPublished}, dropped {metrics.StatsDropped + metrics.MasksDropped}");
        Assert.Equal(0, metrics.StatsDropped + metrics.MasksDropped);
        Assert.Equal(300 + Frames, metrics.MasksPublished);
        Assert.Equal(300 + Frames, metrics.StatsPublished);
        Assert.True(threadBytes / Frames <= 128, $"{threadBytes / (double)Frames:F1} B/frame on the pipeline thread");
        Assert.True(processBytes / Frames <= 16 * 1024, $"{processBytes / (double)Frames:F0} B/frame in the process");
    }

    private static async Task<long> PublishAsync(MqttResultPublisher publisher, FrameContext frame, long first, int count)
    {
        long allocated = 0;
        for (var i = 0; i < count; i++)
        {
            frame.Sequence = first + i;
            frame.Mask.IsPresent = true;
            var before = GC.GetAllocatedBytesForCurrentThread();
            var pending = publisher.PublishAsync(frame, CancellationToken.None);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            await pending;

            // Let the sender keep up, as it does at a camera's frame rate: pooled messages then come back for reuse.
            // (A synchronous, allocation-free wait, so the process-wide figure is the publisher's and MQTTnet's.)
            var deadline = DateTime.UtcNow + Wait;
            while (publisher.Connection.Counters.Published(MessageKind.Mask) < first + i - 8 && DateTime.UtcNow < deadline)
            {
                Thread.Yield();
            }
        }

        return allocated;
    }
}
