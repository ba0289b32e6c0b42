using SegMan.Edge.Agent;
using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Pipeline.Models;
using SegMan.Edge.Pipeline.Tests.Publishing.Support;

namespace SegMan.Edge.Integration.Tests;

/// <summary>Bad input at start-up stops the agent with a message that names the cause and the fix.</summary>
public sealed class AgentStartupErrorTests
{
    [Fact(Timeout = 60_000)]
    public async Task Wrong_config_values_name_their_keys()
    {
        using var host = AgentRun.Build(
            "--SegMan:Mqtt:Port=70000", "--SegMan:Pipeline:ChannelCapacity=0", "--SegMan:Masks:Format=gif", "--SegMan:Http:JpegQuality=0");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => AgentHost.StartAsync(host));

        var text = string.Join("\n", ConfigurationErrors.Collect(error) ?? [error.Message]);
        Assert.Contains("SegMan:Mqtt:Port", text, StringComparison.Ordinal);
        Assert.Contains("SegMan:Pipeline:ChannelCapacity", text, StringComparison.Ordinal);
        Assert.Contains("SegMan:Masks:Format", text, StringComparison.Ordinal);
        Assert.Contains("SegMan:Http:JpegQuality", text, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Misspelled_keys_are_refused_naming_the_key_and_the_keys_that_exist_there()
    {
        using var host = AgentRun.Build(
            "--SegMan:Cameras:0:OpenTimeout=5000", "--SegMan:Model:TensorRt:EngineCache=/tmp/engines", "--SegMan:Mqqt:Port=1883",
            $"--SegMan:Mqtt:Port={TestPorts.Free()}");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => AgentHost.StartAsync(host));

        var failures = ConfigurationErrors.Collect(error) ?? [error.Message];
        Assert.Equal(3, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("SegMan:Cameras:0:OpenTimeout is not a setting", StringComparison.Ordinal) &&
            f.Contains("OpenTimeoutMs", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("SegMan:Model:TensorRt:EngineCache is not a setting", StringComparison.Ordinal) &&
            f.Contains("EngineCacheDir", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("SegMan:Mqqt is not a setting", StringComparison.Ordinal) &&
            f.Contains("Mqtt", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task Missing_model_file_is_named_with_the_fix()
    {
        using var directory = new TestDirectory();
        using var host = AgentRun.Build($"--SegMan:Model:Path={directory.File("nowhere.onnx")}", $"--SegMan:Mqtt:Port={TestPorts.Free()}");

        var error = await Assert.ThrowsAnyAsync<ModelLoadException>(() => AgentHost.StartAsync(host));

        Assert.Contains("nowhere.onnx", error.Message, StringComparison.Ordinal);
        Assert.Contains("SegMan:Model:Path", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Corrupt_model_file_is_refused_with_the_file_named()
    {
        using var directory = new TestDirectory();
        var model = directory.File("corrupt.onnx");
        await File.WriteAllBytesAsync(model, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 31))]);
        File.Copy(RepositoryPaths.Combine("models", "baseline-palette.json"), directory.File("corrupt.json"));
        using var host = AgentRun.Build($"--SegMan:Model:Path={model}", $"--SegMan:Mqtt:Port={TestPorts.Free()}");

        var error = await Assert.ThrowsAnyAsync<ModelLoadException>(() => AgentHost.StartAsync(host));

        Assert.Contains("corrupt.onnx", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Missing_video_file_is_named()
    {
        using var host = AgentRun.Build("--SegMan:Cameras:0:Source=samples/missing-drive.mp4", $"--SegMan:Mqtt:Port={TestPorts.Free()}");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => AgentHost.StartAsync(host));

        Assert.Contains(ConfigurationErrors.Collect(error) ?? [], f => f.Contains("missing-drive.mp4", StringComparison.Ordinal) && f.Contains("SegMan:Cameras:0", StringComparison.Ordinal));
    }
}
