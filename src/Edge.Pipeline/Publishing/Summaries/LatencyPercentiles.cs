namespace SegMan.Edge.Pipeline.Publishing.Summaries;

/// <summary>Latency percentiles of a window, in milliseconds.</summary>
public readonly record struct LatencyPercentiles(float P50, float P95, float P99);
