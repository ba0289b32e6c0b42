namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>
/// What the connection itself publishes on the retained device status topic: the birth after every
/// (re)connect and the offline will the broker sends when the agent disappears.
/// </summary>
public sealed record MqttSessionMessages(string StatusTopic, ReadOnlyMemory<byte> Birth, ReadOnlyMemory<byte> Will);
