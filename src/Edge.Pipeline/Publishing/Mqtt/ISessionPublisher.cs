using MQTTnet;

namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>
/// Publishing on numbered MQTT sessions: what <see cref="SpoolForwarder"/> needs from <see cref="MqttConnection"/>.
/// The numbers let it send a message whose outcome is unknown again only on a later session.
/// </summary>
internal interface ISessionPublisher
{
    bool IsConnected { get; }

    MqttCounters Counters { get; }

    /// <summary>Waits until a session numbered above <paramref name="after"/> is up and returns its number (sessions count from 1).</summary>
    Task<long> WaitForSessionAsync(long after, CancellationToken cancellationToken);

    /// <summary>
    /// Publishes on session <paramref name="session"/> only and waits for the PUBACK. Throws when that session
    /// is over, and when the outcome stays unknown, which also ends the session.
    /// </summary>
    Task<MqttClientPublishResult> PublishAsync(long session, MqttApplicationMessage message, MessageKind kind, CancellationToken cancellationToken);
}
