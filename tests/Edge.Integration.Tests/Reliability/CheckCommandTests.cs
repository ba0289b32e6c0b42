using SegMan.Edge.Pipeline.Tests.Publishing.Support;
using Xunit.Abstractions;

namespace SegMan.Edge.Integration.Tests.Reliability;

/// <summary>
/// <c>segman-edge check</c>, the field diagnostic README offers: it loads the model, names the provider and op library
/// that run it, and pushes one frame of every camera through the stages; a camera that cannot deliver fails the check.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class CheckCommandTests(ITestOutputHelper output)
{
    [Fact(Timeout = 120_000)]
    public async Task Check_on_the_embedded_defaults_runs_a_frame_of_the_drive_through_the_demo_model()
    {
        await using var agent = AgentProcess.Start("check", $"--SegMan:Mqtt:Port={TestPorts.Free()}", "--SegMan:Http:Enabled=false");

        var exitCode = await agent.WaitForExitAsync(TimeSpan.FromSeconds(100));
        output.WriteLine(agent.Output);

        Assert.True(exitCode == 0, $"exit code {exitCode}\n{agent.Output}");
        var stdout = agent.StandardOutput;
        Assert.Contains("segman-demo-fp32 (T-slim4, fp32), input 640x320 float32", stdout, StringComparison.Ordinal);
        Assert.Contains("providers:   asked cpu, running cpu", stdout, StringComparison.Ordinal);
        Assert.Contains("custom ops:  NeighborhoodAttention2D, SelectiveScan2D from ", stdout, StringComparison.Ordinal);
        Assert.Contains("camera front: ", stdout, StringComparison.Ordinal);
        Assert.Contains("  frame:     1024x512 -> labels 640x320", stdout, StringComparison.Ordinal);
        Assert.Contains("top: road ", stdout, StringComparison.Ordinal);
        Assert.EndsWith("check: ok", stdout.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task Check_fails_naming_the_camera_whose_video_cannot_be_decoded()
    {
        using var directory = new TestDirectory();
        var broken = directory.File("cut-off.mp4");
        await File.WriteAllBytesAsync(broken, BrokenVideos.CutOffBeforeItsIndex(ReliabilityConfig.SampleVideo));
        await using var agent = AgentProcess.Start(
            ["check", .. ReliabilityConfig.Agent("check", TestPorts.Free(), directory.File("spool")), .. ReliabilityConfig.Camera(1, "bad", broken)]);

        var exitCode = await agent.WaitForExitAsync(TimeSpan.FromSeconds(100));
        output.WriteLine(agent.Output);

        Assert.Equal(1, exitCode);
        var stdout = agent.StandardOutput;
        var badCamera = stdout[stdout.IndexOf("camera bad:", StringComparison.Ordinal)..];
        Assert.Contains("  FAILED:    ", badCamera, StringComparison.Ordinal);
        Assert.Contains("cut-off.mp4", badCamera[badCamera.IndexOf("FAILED", StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.Contains("  frame:     ", stdout[..stdout.IndexOf("camera bad:", StringComparison.Ordinal)], StringComparison.Ordinal);
        Assert.EndsWith("check: 1 camera(s) failed", stdout.TrimEnd(), StringComparison.Ordinal);
    }
}
