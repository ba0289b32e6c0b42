using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using MQTTnet.Packets;
using SegMan.Edge.Pipeline.Publishing.Summaries;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>
/// Everything the publisher keeps per camera: topics, the summary aggregator, a reusable JSON writer,
/// drop counters for the next summary, the latest source status and cached mask properties.
/// Frame-path members are used under <see cref="Gate"/>.
/// </summary>
internal sealed class CameraPublishState : IDropCounter
{
    private readonly MaskPropertyCache _maskProperties;
    private long _framesSeen;
    private long _statsDropped;
    private long _masksDropped;
    private long _summariesDropped;
    private byte[]? _status;
    private int _statusDirty;

    public CameraPublishState(CameraTopics topics, int classCount, DateTimeOffset windowStart)
    {
        Topics = topics;
        EncodedId = JsonEncodedText.Encode(topics.CameraId);
        Aggregator = new SummaryAggregator(classCount, windowStart);
        Window = new SummaryWindow(classCount);
        _maskProperties = new MaskPropertyCache(topics.CameraId);
    }

    public Lock Gate { get; } = new();

    public CameraTopics Topics { get; }

    public JsonEncodedText EncodedId { get; }

    public SummaryAggregator Aggregator { get; }

    public SummaryWindow Window { get; }

    /// <summary>Reused for per-frame payloads; pointed at each message's buffer with Reset.</summary>
    public Utf8JsonWriter Writer { get; } = new(new ArrayBufferWriter<byte>(1));

    /// <summary>True for one frame in <paramref name="everyN"/>, starting with the first.</summary>
    public bool IsStatsDue(int everyN) => _framesSeen++ % everyN == 0;

    public void CountDrop(MessageKind kind)
    {
        switch (kind)
        {
            case MessageKind.Stats:
                Interlocked.Increment(ref _statsDropped);
                break;
            case MessageKind.Mask:
                Interlocked.Increment(ref _masksDropped);
                break;
            case MessageKind.Summary:
                Interlocked.Increment(ref _summariesDropped);
                break;
        }
    }

    /// <summary>Moves the drops counted since the last window into <paramref name="window"/>.</summary>
    public void TakeDrops(SummaryWindow window)
    {
        window.StatsDropped = Interlocked.Exchange(ref _statsDropped, 0);
        window.MasksDropped = Interlocked.Exchange(ref _masksDropped, 0);
        window.SummariesDropped = Interlocked.Exchange(ref _summariesDropped, 0);
    }

    public void SetStatus(byte[] payload)
    {
        Volatile.Write(ref _status, payload);
        Volatile.Write(ref _statusDirty, 1);
    }

    /// <summary>Marks the status for republishing (after a reconnect), if there is one.</summary>
    public void MarkStatusDirty()
    {
        if (Volatile.Read(ref _status) is not null)
        {
            Volatile.Write(ref _statusDirty, 1);
        }
    }

    /// <summary>Takes the status if it changed since it was last taken.</summary>
    public byte[]? TakeDirtyStatus() => Interlocked.Exchange(ref _statusDirty, 0) == 1 ? Volatile.Read(ref _status) : null;

    /// <summary>Adds width, height, sequence, format and camera to a mask message, allocating only the sequence property.</summary>
    public void AddMaskProperties(OutboundMessage message, EncodedMask mask, long sequence)
    {
        var cached = _maskProperties.Get(mask);
        message.AddUserProperty(cached.Width);
        message.AddUserProperty(cached.Height);
        Utf8Formatter.TryFormat(sequence, message.PropertyScratch, out var written);
        message.AddUserProperty(new MqttUserProperty("sequence", message.PropertyScratch.AsMemory(0, written)));
        message.AddUserProperty(cached.Format);
        message.AddUserProperty(cached.Camera);
    }

    /// <summary>Mask user properties that rarely change, rebuilt only when the mask size or format changes.</summary>
    private sealed class MaskPropertyCache(string cameraId)
    {
        private readonly MqttUserProperty _camera = Property("camera", cameraId);
        private Entry? _current;

        public Entry Get(EncodedMask mask)
        {
            var current = _current;
            if (current is null || current.WidthValue != mask.Width || current.HeightValue != mask.Height || current.FormatValue != mask.Format)
            {
                current = new Entry(mask.Width, mask.Height, mask.Format,
                    Property("width", mask.Width.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    Property("height", mask.Height.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    Property("format", mask.Format == MaskFormat.Png ? "png" : "rle"),
                    _camera);
                _current = current;
            }

            return current;
        }

        private static MqttUserProperty Property(string name, string value) => new(name, Encoding.UTF8.GetBytes(value).AsMemory());
    }

    private sealed record Entry(
        int WidthValue, int HeightValue, MaskFormat FormatValue,
        MqttUserProperty Width, MqttUserProperty Height, MqttUserProperty Format, MqttUserProperty Camera);
}
