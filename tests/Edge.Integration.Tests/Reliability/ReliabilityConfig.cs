using System.Globalization;

namespace SegMan.Edge.Integration.Tests.Reliability;

/// <summary>
/// Command-line overrides for the agent in these tests: the tiny test model (so two cores keep up with several cameras
/// and timing reflects the pipeline, not inference), the sample drive as the first camera, a private spool and a
/// one-second summary window.
/// </summary>
internal static class ReliabilityConfig
{
    public static string TestModel(string name) =>
        RepositoryPaths.Combine("tests", "Edge.Pipeline.Tests", "TestData", "models", name);

    public static string SampleVideo => RepositoryPaths.Combine("samples", "drive.mp4");

    /// <summary>The agent on <paramref name="deviceId"/>, its broker on <paramref name="port"/>, with the sample drive as camera 0 ("front").</summary>
    public static string[] Agent(string deviceId, int port, string spoolPath, bool externalBroker = false) =>
    [
        $"--SegMan:Mqtt:Broker={(externalBroker ? "external" : "embedded")}",
        $"--SegMan:Mqtt:Port={port}",
        "--SegMan:Http:Enabled=false",
        $"--SegMan:Mqtt:DeviceId={deviceId}",
        "--SegMan:Mqtt:SummaryIntervalSeconds=1",
        "--SegMan:Mqtt:KeepAliveSeconds=5",
        "--SegMan:Mqtt:TimeoutSeconds=5",
        "--SegMan:Mqtt:ReconnectBackoff:InitialMs=200",
        "--SegMan:Mqtt:ReconnectBackoff:MaxMs=1000",
        $"--SegMan:Mqtt:Spool:Path={spoolPath}",
        $"--SegMan:Model:Path={TestModel("logits.onnx")}",
        "--SegMan:Model:IntraOpThreads=1",
        "--SegMan:Masks:Overlay:Enabled=false",
        "--SegMan:Pipeline:ReportIntervalSeconds=0",
        "--Logging:LogLevel:Default=Warning",
        .. Camera(0, "front", SampleVideo),
    ];

    /// <summary>
    /// Camera <paramref name="index"/> with a quick reconnect: backoff 200 ms doubling to 1 s, 1.5 s read and 5 s open
    /// timeouts. A file loops at its own frame rate, like a camera.
    /// </summary>
    public static string[] Camera(int index, string id, string source)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"--SegMan:Cameras:{index}");
        string[] file = source.Contains("://", StringComparison.Ordinal) ? [] : [$"{key}:Loop=true", $"{key}:RealTime=true"];
        return
        [
            $"{key}:Id={id}",
            $"{key}:Source={source}",
            .. file,
            $"{key}:ReadTimeoutMs=1500",
            $"{key}:OpenTimeoutMs=5000",
            $"{key}:Backoff:InitialMs=200",
            $"{key}:Backoff:MaxMs=1000",
        ];
    }
}
