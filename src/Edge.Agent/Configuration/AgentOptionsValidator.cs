using Microsoft.Extensions.Options;
using SegMan.Edge.Pipeline.Capture;

namespace SegMan.Edge.Agent.Configuration;

/// <summary>Checks the camera list and pipeline settings at start-up; every message names the key and the fix.</summary>
internal sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var failures = new List<string>();
        if (options.Cameras.Count == 0)
        {
            failures.Add("SegMan:Cameras is empty: configure at least one camera, e.g. SegMan:Cameras:0:Id=front and SegMan:Cameras:0:Source=samples/drive.mp4.");
        }

        var cameras = CameraOptionsValidator.ValidateAll(options.Cameras);
        if (cameras.Failed)
        {
            failures.AddRange(cameras.Failures);
        }

        if (options.Pipeline.ChannelCapacity is < 1 or > 64)
        {
            failures.Add($"SegMan:Pipeline:ChannelCapacity is {options.Pipeline.ChannelCapacity}: use a value from 1 to 64 (2 keeps latency low).");
        }

        if (options.Pipeline.ReportIntervalSeconds < 0)
        {
            failures.Add($"SegMan:Pipeline:ReportIntervalSeconds is {options.Pipeline.ReportIntervalSeconds}: use 0 (off) or a positive number of seconds.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
