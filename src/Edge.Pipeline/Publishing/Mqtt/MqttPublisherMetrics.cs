namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>A snapshot of the publisher's running totals, for metrics and the health check.</summary>
public sealed record MqttPublisherMetrics(
    MqttConnectionState State,
    string? LastError,
    long Connects,
    long ConnectionLosses,
    long FailedConnectAttempts,
    long StatsPublished,
    long MasksPublished,
    long SummariesPublished,
    long StatusesPublished,
    long StatsDropped,
    long MasksDropped,
    long SummariesDropped,
    long SummariesSpooled,
    int SpoolCount,
    long SpoolBytes,
    long SpoolDamagedSkipped);
