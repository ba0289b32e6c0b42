using OpenCvSharp;
using SegMan.Edge.Pipeline.Tests.Publishing.Support;

namespace SegMan.Edge.Integration.Tests;

/// <summary>
/// The whole agent on its embedded defaults — the sample drive decoded by OpenCV, the shipped model in ONNX Runtime,
/// MQTT — seen by a fleet subscriber: birth, per-frame stats, PNG masks, summaries and the last will.
/// </summary>
public sealed class AgentEndToEndTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact(Timeout = 240_000)]
    public async Task Subscriber_on_the_embedded_broker_sees_stats_masks_and_summaries_from_the_default_segman_model()
    {
        using var directory = new TestDirectory();
        var port = TestPorts.Free();

        // The shipped default: SegMAN with its scans and attentions run by libsegman_ops on the CPU.
        await using var agent = await AgentRun.StartAsync([.. Overrides(port, directory), "--SegMan:Model:Path=models/segman-demo-fp32.onnx"]);
        await using var fleet = await TestSubscriber.ConnectAsync(port, "segman/#");

        await AssertFleetSeesResultsAsync(fleet, port);
    }

    [Fact(Timeout = 180_000)]
    public async Task Subscriber_on_a_real_mosquitto_sees_stats_masks_and_summaries_and_the_last_will()
    {
        using var directory = new TestDirectory();
        await using var mosquitto = await MosquittoBroker.StartAsync(directory.Path);
        await using var fleet = await TestSubscriber.ConnectAsync(mosquitto.Port, "segman/#");
        var agent = await AgentRun.StartAsync([.. Overrides(mosquitto.Port, directory), "--SegMan:Mqtt:Broker=external"]);

        await AssertFleetSeesResultsAsync(fleet, mosquitto.Port);
        await agent.DisposeAsync();

        await fleet.WaitForAsync(
            m => m.Topic == "segman/it-01/status" && m.Text.Contains("offline", StringComparison.Ordinal), Wait, "offline status on stop");
        var retained = await RetainedStatusAsync(mosquitto.Port);
        Assert.Contains("offline", retained.Text, StringComparison.Ordinal);
    }

    /// <summary>What a fleet manager that connects now is told about the device (the retained status).</summary>
    private static async Task<ReceivedMessage> RetainedStatusAsync(int port)
    {
        await using var late = await TestSubscriber.ConnectAsync(port, "segman/it-01/status");
        var status = await late.WaitForAsync(m => m.Topic == "segman/it-01/status", Wait, "retained status");
        Assert.True(status.Retain);
        return status;
    }

    private static async Task AssertFleetSeesResultsAsync(TestSubscriber fleet, int port)
    {
        await fleet.WaitForAsync(m => m.Topic == "segman/it-01/status" && m.Text.Contains("online", StringComparison.Ordinal), Wait, "birth");
        var birth = await RetainedStatusAsync(port);
        Assert.Contains("online", birth.Text, StringComparison.Ordinal);
        Assert.Contains("front", birth.Text, StringComparison.Ordinal);

        var stats = await fleet.WaitForCountAsync("segman/it-01/front/stats", 10, Wait);
        var last = stats[^1].Json;
        Assert.True(last.GetProperty("sequence").GetInt64() >= 9);
        Assert.True(last.TryGetProperty("latencyMs", out _), stats[^1].Text);

        var masks = await fleet.WaitForCountAsync("segman/it-01/front/mask", 2, Wait);
        var mask = masks[^1];
        Assert.Equal("image/png", mask.ContentType);
        using var decoded = Cv2.ImDecode(mask.Payload, ImreadModes.Unchanged);
        Assert.Equal(int.Parse(mask.UserProperties["width"], System.Globalization.CultureInfo.InvariantCulture), decoded.Width);
        Assert.Equal(int.Parse(mask.UserProperties["height"], System.Globalization.CultureInfo.InvariantCulture), decoded.Height);
        // OpenCV expands the palette: every pixel must carry one of the model's class colours.
        var palette = CityscapesPalette();
        Assert.Equal(MatType.CV_8UC3, decoded.Type());
        var (width, height) = (decoded.Width, decoded.Height);
        for (var y = 0; y < height; y += 7)
        {
            for (var x = 0; x < width; x += 7)
            {
                var bgr = decoded.At<Vec3b>(y, x);
                Assert.Contains((bgr.Item2, bgr.Item1, bgr.Item0), palette);
            }
        }

        // A window that closes while the model is still warming up honestly reports 0 frames; one with frames must follow.
        var summary = await fleet.WaitForAsync(
            m => m.Topic == "segman/it-01/front/summary" && m.Json.GetProperty("frames").GetInt64() > 0, Wait, "a summary counting frames");
        Assert.True(summary.Json.GetProperty("fps").GetDouble() > 0, summary.Text);
    }

    private static HashSet<(byte R, byte G, byte B)> CityscapesPalette()
    {
        using var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Combine("models", "baseline-palette.json")));
        return manifest.RootElement.GetProperty("classes").EnumerateArray()
            .Select(c => c.GetProperty("color").EnumerateArray().Select(v => v.GetByte()).ToArray())
            .Select(rgb => (rgb[0], rgb[1], rgb[2]))
            .ToHashSet();
    }

    private static string[] Overrides(int port, TestDirectory directory) =>
    [
        $"--SegMan:Mqtt:Port={port}",
        "--SegMan:Mqtt:DeviceId=it-01",
        "--SegMan:Mqtt:SummaryIntervalSeconds=2",
        $"--SegMan:Mqtt:Spool:Path={directory.File("spool")}",
        "--SegMan:Masks:Overlay:Enabled=false",
        "--SegMan:Cameras:0:RealTime=false",
        "--SegMan:Pipeline:ReportIntervalSeconds=0",
    ];
}
