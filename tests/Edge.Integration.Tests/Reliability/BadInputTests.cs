using SegMan.Edge.Pipeline.Tests.Publishing.Support;
using Xunit.Abstractions;

namespace SegMan.Edge.Integration.Tests.Reliability;

/// <summary>
/// Bad input is contained: an id with MQTT wildcards becomes one safe topic level, an unreadable video fails only its
/// own camera, and a model that cannot run stops the agent at start-up with a message that names the problem.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class BadInputTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = ReliabilityCollection.Wait;

    [Fact(Timeout = 60_000)]
    public async Task Camera_id_with_wildcards_and_a_slash_is_published_under_one_sanitised_level()
    {
        const string root = "segman/rel-ids";
        using var directory = new TestDirectory();
        var port = TestPorts.Free();
        await using var agent = await AgentRun.StartAsync(
            [.. ReliabilityConfig.Agent("rel-ids", port, directory.File("spool")), .. ReliabilityConfig.Camera(1, "a+b#c/d", ReliabilityConfig.SampleVideo)]);
        await using var fleet = await TestSubscriber.ConnectAsync(port, "segman/#");

        var odd = await fleet.WaitForCountAsync($"{root}/a_b_c_d/stats", 10, Wait);
        var front = await fleet.WaitForCountAsync($"{root}/front/stats", 10, Wait);
        await fleet.WaitForAsync(m => m.Topic == $"{root}/a_b_c_d/status", Wait, "the sanitised camera's status");

        Assert.Equal("a_b_c_d", odd[^1].Json.GetProperty("camera").GetString());
        Assert.Equal("front", front[^1].Json.GetProperty("camera").GetString());
        Assert.True(front[^1].Json.GetProperty("sequence").GetInt64() >= 9);

        // Nothing leaked into extra topic levels: device status (3 levels) or camera topics (4 levels) only.
        var topics = fleet.Received.Select(m => m.Topic).Distinct().Order(StringComparer.Ordinal).ToList();
        output.WriteLine(string.Join('\n', topics));
        Assert.All(topics, topic => Assert.Contains(topic.Split('/').Length, new[] { 3, 4 }));
        Assert.DoesNotContain(topics, topic => topic.Contains('+', StringComparison.Ordinal) || topic.Contains('#', StringComparison.Ordinal));
        var birth = await fleet.WaitForAsync(m => m.Topic == $"{root}/status", Wait, "birth");
        Assert.Contains("\"a_b_c_d\"", birth.Text, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Corrupt_video_file_fails_only_its_own_camera_and_names_the_file()
    {
        const string root = "segman/rel-bad";
        using var directory = new TestDirectory();
        var broken = directory.File("broken-clip.mp4");
        await File.WriteAllBytesAsync(broken, BrokenVideos.CutOffBeforeItsIndex(ReliabilityConfig.SampleVideo));
        var port = TestPorts.Free();
        await using var agent = await AgentRun.StartAsync(
            [.. ReliabilityConfig.Agent("rel-bad", port, directory.File("spool")), .. ReliabilityConfig.Camera(1, "bad", broken)]);
        await using var fleet = await TestSubscriber.ConnectAsync(port, $"{root}/#");

        var failed = await fleet.WaitForAsync(
            m => m.Topic == $"{root}/bad/status" && State(m) is "reconnecting" or "failed", Wait, "the bad camera's failure status");
        output.WriteLine(failed.Text);
        Assert.Contains("broken-clip.mp4", failed.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // The good camera keeps streaming while the bad one keeps failing.
        var frontBefore = fleet.On($"{root}/front/stats").Count;
        await fleet.WaitForAsync(_ => fleet.On($"{root}/front/stats").Count >= frontBefore + 15, Wait, "15 more front stats");
        await fleet.WaitForAsync(_ => fleet.On($"{root}/bad/status").Count >= 2, Wait, "the bad camera retrying");
        Assert.Empty(fleet.On($"{root}/bad/stats"));
        Assert.DoesNotContain(fleet.On($"{root}/bad/status"), m => State(m) == "streaming");
        Assert.Equal("streaming", State(fleet.On($"{root}/front/status")[^1]));
        var frontPipeline = Assert.Single(agent.Pipelines.Snapshot(), p => p.CameraId == "front");
        Assert.Equal(0, frontPipeline.Counters.StageErrors);
    }

    [Fact(Timeout = 60_000)]
    public async Task Model_whose_manifest_disagrees_with_its_graph_refuses_to_start_naming_both_values()
    {
        // mismatch.json says the input is 8x12; the graph takes 4x6.
        var model = ReliabilityConfig.TestModel("mismatch.onnx");
        var error = await StartupErrorAsync($"--SegMan:Model:Path={model}");

        Assert.Contains("Model input height: manifest says 8, graph says 4", error, StringComparison.Ordinal);
        Assert.Contains("Model input width: manifest says 12, graph says 6", error, StringComparison.Ordinal);
        Assert.Contains(model, error, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Custom_op_model_without_its_library_refuses_to_start_naming_the_library_and_the_setting()
    {
        using var directory = new TestDirectory();
        var nowhere = directory.File("missing/libsegman_ops.so");
        var error = await StartupErrorAsync(
            $"--SegMan:Model:Path={ReliabilityConfig.TestModel("custom-op.onnx")}", $"--SegMan:Model:CustomOpLibrary={nowhere}");

        Assert.Contains("NeighborhoodAttention2D", error, StringComparison.Ordinal);
        Assert.Contains("libsegman_ops.so", error, StringComparison.Ordinal);
        Assert.Contains($"Looked in: {nowhere}.", error, StringComparison.Ordinal);
        Assert.Contains("SegMan:Model:CustomOpLibrary", error, StringComparison.Ordinal);
    }

    /// <summary>Runs the agent process with <paramref name="overrides"/>; it must refuse to start (exit 3) and say why on stderr.</summary>
    private async Task<string> StartupErrorAsync(params string[] overrides)
    {
        using var directory = new TestDirectory();
        await using var agent = AgentProcess.Start(
            [.. ReliabilityConfig.Agent("rel-model", TestPorts.Free(), directory.File("spool")), .. overrides]);
        var exitCode = await agent.WaitForExitAsync(Wait);
        output.WriteLine(agent.StandardError);

        Assert.True(exitCode == 3, $"exit code {exitCode}, expected 3 (cannot start)\n{agent.Output}");
        Assert.StartsWith("Cannot start: ", agent.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", agent.Output, StringComparison.Ordinal);
        return agent.StandardError;
    }

    private static string? State(ReceivedMessage message) => message.Json.GetProperty("state").GetString();
}
