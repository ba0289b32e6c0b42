using System.Diagnostics;
using SegMan.Edge.Pipeline.Tests.Publishing.Support;
using Xunit.Abstractions;

namespace SegMan.Edge.Integration.Tests.Reliability;

/// <summary>
/// A network camera dies and comes back while another camera keeps running: the agent with the sample drive as
/// "front" and a real RTSP server as "rtsp", the server killed for about five seconds and started again.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class CameraLossTests(ITestOutputHelper output)
{
    private const string Device = "rel-cam";
    private const string Root = "segman/" + Device;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Wait = ReliabilityCollection.Wait;

    [Fact(Timeout = 90_000)]
    public async Task Rtsp_camera_reconnects_after_its_server_restarts_while_the_file_camera_never_stalls()
    {
        using var directory = new TestDirectory();
        using var rtsp = await RtspServerProcess.StartAsync();
        var port = TestPorts.Free();
        await using var agent = await AgentRun.StartAsync(
            [.. ReliabilityConfig.Agent(Device, port, directory.File("spool")), .. ReliabilityConfig.Camera(1, "rtsp", rtsp.Url)]);
        await using var fleet = await TestSubscriber.ConnectAsync(port, $"{Root}/#");
        await using var frontStats = await TestSubscriber.ConnectAsync(port, $"{Root}/front/stats");

        await fleet.WaitForCountAsync($"{Root}/rtsp/stats", 5, Wait);
        await fleet.WaitForCountAsync($"{Root}/front/stats", 5, Wait);
        var statusesBefore = fleet.On($"{Root}/rtsp/status").Count;
        Assert.Equal("streaming", State(fleet.On($"{Root}/rtsp/status")[^1]));

        var front = new ArrivalGapMonitor(frontStats, $"{Root}/front/stats");
        front.Start();
        rtsp.Kill();
        var down = Stopwatch.StartNew();
        await fleet.WaitForAsync(
            _ => fleet.On($"{Root}/rtsp/status").Skip(statusesBefore).Any(m => State(m) == "reconnecting"), Wait, "rtsp status reconnecting after the server died");
        output.WriteLine($"reconnecting after {down.Elapsed.TotalSeconds:F1} s: {fleet.On($"{Root}/rtsp/status")[statusesBefore].Text}");
        await Task.Delay(Outage > down.Elapsed ? Outage - down.Elapsed : TimeSpan.Zero);

        await rtsp.RestartAsync();
        var restartedAt = DateTimeOffset.UtcNow;
        await fleet.WaitForAsync(
            _ => fleet.On($"{Root}/rtsp/status").Skip(statusesBefore).SkipWhile(m => State(m) != "reconnecting").Any(m => State(m) == "streaming"),
            Wait,
            "rtsp status streaming after reconnecting");
        output.WriteLine($"streaming again {down.Elapsed.TotalSeconds:F1} s after the kill");
        await fleet.WaitForAsync(
            _ => fleet.On($"{Root}/rtsp/stats").Count(m => CapturedAt(m) > restartedAt) >= 5, Wait, "rtsp frames captured after the restart");
        var (maxGap, arrived) = await front.StopAsync();

        output.WriteLine($"front: {arrived} stats during the outage, longest gap {maxGap.TotalMilliseconds:F0} ms");
        Assert.True(maxGap < TimeSpan.FromSeconds(2), $"front's stats stalled for {maxGap.TotalMilliseconds:F0} ms while the rtsp camera was down");
        Assert.True(arrived >= 5 * 10, $"only {arrived} front stats arrived in {down.Elapsed.TotalSeconds:F1} s (the clip runs at 15 fps)");

        // The windows that saw the outage report it: an outage begun, seconds down, a recovery.
        await fleet.WaitForAsync(_ => RtspSummaries(fleet).Sum(s => s.Reconnects) >= 1, Wait, "an rtsp summary reporting the recovery");
        var summaries = RtspSummaries(fleet);
        output.WriteLine(string.Join('\n', summaries.Where(s => s.Outages + s.Reconnects > 0 || s.DownSeconds > 0)));
        Assert.True(summaries.Sum(s => s.Outages) >= 1, string.Join('\n', summaries));
        Assert.InRange(summaries.Sum(s => s.DownSeconds), 3.0, 20.0);

        await using var late = await TestSubscriber.ConnectAsync(port, $"{Root}/rtsp/status");
        var retained = await late.WaitForAsync(m => m.Topic == $"{Root}/rtsp/status", Wait, "retained rtsp status");
        Assert.True(retained.Retain);
        Assert.Equal("streaming", State(retained));
    }

    private static string? State(ReceivedMessage message) => message.Json.GetProperty("state").GetString();

    private static DateTimeOffset CapturedAt(ReceivedMessage message) => message.Json.GetProperty("capturedAt").GetDateTimeOffset();

    private static List<SummaryMessage> RtspSummaries(TestSubscriber fleet) =>
        SummaryMessage.Distinct(fleet.On($"{Root}/rtsp/summary").Select(m => m.Payload));
}
