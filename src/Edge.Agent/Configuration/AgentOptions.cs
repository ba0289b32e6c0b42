using SegMan.Edge.Pipeline.Capture;

namespace SegMan.Edge.Agent.Configuration;

/// <summary>The <c>SegMan</c> section: the cameras and how their pipelines run. Model, masks and MQTT have sections of their own.</summary>
public sealed class AgentOptions
{
    public const string SectionName = "SegMan";

    public List<CameraOptions> Cameras { get; set; } = [];

    public PipelineOptions Pipeline { get; set; } = new();
}

/// <summary>The <c>SegMan:Pipeline</c> section.</summary>
public sealed class PipelineOptions
{
    /// <summary>Frames each channel between two stages may hold.</summary>
    public int ChannelCapacity { get; set; } = 2;

    /// <summary>How often each camera's fps and latency are logged (0 = never).</summary>
    public int ReportIntervalSeconds { get; set; } = 5;
}
