namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>Which broker the agent talks to.</summary>
public enum MqttBrokerMode
{
    /// <summary>An MQTTnet broker inside the agent, listening on 127.0.0.1 only.</summary>
    Embedded,

    /// <summary>A broker elsewhere, reached at <see cref="MqttOptions.Host"/>:<see cref="MqttOptions.Port"/>.</summary>
    External,
}
