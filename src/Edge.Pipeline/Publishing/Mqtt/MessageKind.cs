namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>The kinds of message the agent publishes; counters are kept per kind.</summary>
public enum MessageKind
{
    Status,
    Stats,
    Mask,
    Summary,
}
