using System.Buffers;
using MQTTnet;
using MQTTnet.Packets;

namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>
/// A pooled per-frame message: the MQTTnet message object, its payload buffer and its user properties
/// are reused from frame to frame, so queuing a message allocates nothing once the pool is warm.
/// </summary>
public sealed class OutboundMessage
{
    private readonly List<MqttUserProperty> _userProperties = new(8);

    internal OutboundMessage(OutboundMessagePool pool, int initialCapacity)
    {
        Pool = pool;
        Payload = new ArrayBufferWriter<byte>(initialCapacity);
    }

    public MqttApplicationMessage Message { get; } = new();

    /// <summary>Write the payload here, then call <see cref="Seal"/>.</summary>
    public ArrayBufferWriter<byte> Payload { get; }

    public MessageKind Kind { get; set; }

    /// <summary>Who hears about it when this message is dropped.</summary>
    public IDropCounter? Owner { get; set; }

    /// <summary>Small scratch space for user property values that change every message (e.g. the sequence).</summary>
    internal byte[] PropertyScratch { get; } = new byte[32];

    internal OutboundMessagePool Pool { get; }

    public void AddUserProperty(MqttUserProperty property)
    {
        _userProperties.Add(property);
        Message.UserProperties = _userProperties;
    }

    /// <summary>Points the MQTT message at the written payload.</summary>
    public void Seal() => Message.Payload = new ReadOnlySequence<byte>(Payload.WrittenMemory);

    /// <summary>Gives the message back to its pool; it must not be used afterwards.</summary>
    public void Return() => Pool.Return(this);

    internal void Clear()
    {
        Payload.ResetWrittenCount();
        _userProperties.Clear();
        Owner = null;
        var message = Message;
        message.Payload = ReadOnlySequence<byte>.Empty;
        message.UserProperties = null;
        message.ContentType = null;
        message.MessageExpiryInterval = 0;
        message.Retain = false;
        message.Topic = null;
    }
}
