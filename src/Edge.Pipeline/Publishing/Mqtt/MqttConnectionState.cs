namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>Where the connection to the broker stands.</summary>
public enum MqttConnectionState
{
    NotStarted,
    Connecting,
    Connected,
    WaitingToReconnect,
    Stopped,
}
