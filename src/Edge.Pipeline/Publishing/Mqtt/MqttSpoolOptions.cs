namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>The on-disk store-and-forward spool for summaries (config <c>SegMan:Mqtt:Spool</c>).</summary>
public sealed class MqttSpoolOptions
{
    /// <summary>Folder of the spool; created when missing. Relative paths are relative to the working directory.</summary>
    public string Path { get; set; } = "spool/mqtt";

    /// <summary>Cap on the spool's size on disk; past it the oldest summaries are dropped (and counted).</summary>
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;
}
