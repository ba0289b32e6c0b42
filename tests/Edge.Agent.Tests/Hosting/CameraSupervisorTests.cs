using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Agent.Hosting;
using SegMan.Edge.Agent.Tests.Http;
using SegMan.Edge.Pipeline.Capture;
using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Agent.Tests.Hosting;

public sealed partial class CameraSupervisorTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private readonly IResultPublisher _publisher = Substitute.For<IResultPublisher>();
    private readonly IHostApplicationLifetime _lifetime = Substitute.For<IHostApplicationLifetime>();
    private readonly PipelineRegistry _registry = new();
    private readonly ManualCameraList _cameraList = new();
    private readonly SourceStateLog _states;
    private CameraSupervisor? _supervisor;

    public CameraSupervisorTests() => _states = new SourceStateLog(_publisher);

    [Fact]
    public async Task Crashed_pipeline_is_reported_failed_with_the_cause_then_restarted()
    {
        var starts = 0;
        _states.Fault = r => r.State == SourceState.Starting && Interlocked.Increment(ref starts) == 1
            ? new InvalidOperationException("status queue is closed")
            : null;
        var factory = Factory((_, _) => new FakeFrameSource(null));

        await StartAsync(factory, Camera("front"));
        await _states.WaitForAsync("front", SourceState.Streaming);

        Assert.Equal(2, factory.Runs("front"));
        var reports = _states.Of("front");
        Assert.Equal([SourceState.Starting, SourceState.Failed, SourceState.Starting, SourceState.Streaming], reports.Select(r => r.State));
        Assert.Matches(@"^pipeline crashed: status queue is closed; restarting in [0-9.]+ s$", reports[1].Detail);
        Assert.Equal("front", Assert.Single(_registry.Snapshot()).CameraId);
    }

    [Fact]
    public async Task Failed_detail_masks_the_credentials_of_the_camera_url()
    {
        var factory = Factory((_, run) => run == 1
            ? throw new InvalidOperationException("could not open rtsp://admin:hunter2@10.0.0.7/live")
            : new FakeFrameSource(null));

        await StartAsync(factory, Camera("front"));
        await _states.WaitForAsync("front", SourceState.Streaming);

        var failed = Assert.Single(_states.Of("front"), r => r.State == SourceState.Failed);
        Assert.Contains("could not open rtsp://***@10.0.0.7/live", failed.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", failed.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_camera_that_keeps_crashing_leaves_the_other_running()
    {
        var rearFrame = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _publisher.PublishAsync(Arg.Is<FrameContext>(f => f.CameraId == "rear"), Arg.Any<CancellationToken>()).Returns(_ =>
        {
            rearFrame.TrySetResult();
            return ValueTask.CompletedTask;
        });
        var factory = Factory((camera, _) => camera.Id == "front"
            ? throw new InvalidOperationException("front is broken")
            : new FakeFrameSource(null));

        await StartAsync(factory, Camera("front"), Camera("rear"));
        await _states.WaitForAsync("front", SourceState.Failed, count: 3);
        await rearFrame.Task.WaitAsync(Patience);

        Assert.True(factory.Runs("front") >= 3);
        Assert.Equal(1, factory.Runs("rear"));
        Assert.Equal([SourceState.Starting, SourceState.Streaming], _states.Of("rear").Select(r => r.State));
        Assert.Contains(_registry.Snapshot(), p => p.CameraId == "rear");
        Assert.False(_supervisor!.ExecuteTask!.IsCompleted);
    }

    [Fact]
    public async Task Application_is_asked_to_stop_once_every_source_has_ended()
    {
        var factory = Factory((camera, _) => new FakeFrameSource(camera.Id == "front" ? 3 : 2));

        await StartAsync(factory, Camera("front"), Camera("rear"));
        await _supervisor!.ExecuteTask!.WaitAsync(Patience);

        _lifetime.Received(1).StopApplication();
        Assert.Equal([SourceState.Starting, SourceState.Streaming, SourceState.Ended], _states.Of("front").Select(r => r.State));
        Assert.Equal([SourceState.Starting, SourceState.Streaming, SourceState.Ended], _states.Of("rear").Select(r => r.State));
        Assert.Empty(_registry.Snapshot());
    }

    [Fact]
    public async Task A_new_camera_list_starts_added_cameras_stops_removed_ones_and_restarts_changed_ones()
    {
        var factory = Factory((_, _) => new FakeFrameSource(null));
        await StartAsync(factory, Camera("front"));
        await _states.WaitForAsync("front", SourceState.Streaming);

        _cameraList.Change(Camera("front"), Camera("rear"));
        await _states.WaitForAsync("rear", SourceState.Streaming);
        Assert.Equal((1, 1), (factory.Runs("front"), factory.Runs("rear")));

        _cameraList.Change(Camera("rear"));
        await LiveAgentFixture.WaitForAsync(
            () => Task.FromResult(_states.Of("front").Any(r => r is { State: SourceState.Ended, Detail: "removed from the configuration" })),
            Patience,
            "front to be reported removed");
        Assert.Equal("rear", Assert.Single(_registry.Snapshot()).CameraId);

        _cameraList.Change(Camera("rear") with { Source = "rear-2.mp4" });
        await _states.WaitForAsync("rear", SourceState.Streaming, count: 2);
        Assert.Equal((1, 2), (factory.Runs("front"), factory.Runs("rear")));
        Assert.Equal("rear", Assert.Single(_registry.Snapshot()).CameraId);

        // The same list again (a file saved without changes) touches nothing.
        _cameraList.Change(Camera("rear") with { Source = "rear-2.mp4" });
        _cameraList.Change(Camera("rear") with { Source = "rear-2.mp4" }, Camera("front"));
        await _states.WaitForAsync("front", SourceState.Streaming, count: 2);
        Assert.Equal((2, 2), (factory.Runs("front"), factory.Runs("rear")));
        Assert.False(_supervisor!.ExecuteTask!.IsCompleted);
        _lifetime.DidNotReceive().StopApplication();
    }

    [Fact]
    public async Task Stopping_during_the_restart_pause_ends_the_supervisor_at_once()
    {
        var factory = Factory((_, _) => throw new InvalidOperationException("broken"));

        await StartAsync(factory, Camera("front", initialMs: 600_000, maxMs: 600_000));
        await _states.WaitForAsync("front", SourceState.Failed);
        Assert.InRange(PauseMs(_states.Of("front")[0].Detail), 480_000, 600_000);

        // The pause is minutes long: stopping must not wait for it.
        await _supervisor!.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.True(_supervisor.ExecuteTask!.IsCompletedSuccessfully);
        Assert.Equal(1, factory.Runs("front"));
        _lifetime.DidNotReceive().StopApplication();
    }

    [Fact]
    public async Task A_publisher_that_throws_on_the_failed_report_does_not_stop_the_restarts()
    {
        _states.Fault = r => r.State == SourceState.Failed ? new InvalidOperationException("publisher is gone") : null;
        var factory = Factory((_, run) => run <= 2
            ? throw new InvalidOperationException($"crash {run}")
            : new FakeFrameSource(null));

        await StartAsync(factory, Camera("front"));
        await _states.WaitForAsync("front", SourceState.Streaming);

        Assert.Equal(3, factory.Runs("front"));
        Assert.Equal(2, _states.Of("front").Count(r => r.State == SourceState.Failed));
        Assert.False(_supervisor!.ExecuteTask!.IsCompleted);
    }

    [Fact]
    public async Task Pause_doubles_while_crashes_come_in_a_row_and_starts_over_after_a_long_run()
    {
        var clock = new ManualTimeProvider();
        var factory = Factory((_, run) =>
        {
            if (run == 4)
            {
                clock.Advance(TimeSpan.FromSeconds(1)); // this run lasted as long as the longest pause
            }

            return run <= 4 ? throw new InvalidOperationException($"crash {run}") : new FakeFrameSource(null);
        });

        await StartAsync(factory, [Camera("front", initialMs: 10, maxMs: 1000)], clock);
        await _states.WaitForAsync("front", SourceState.Streaming);

        var pausesMs = _states.Of("front").Where(r => r.State == SourceState.Failed).Select(r => PauseMs(r.Detail)).ToList();
        Assert.Equal(4, pausesMs.Count);

        // Initial·2^(n-1), ±20 % jitter: 8–12, 16–24, 32–48 ms, then back to 8–12 ms.
        Assert.InRange(pausesMs[0], 8, 12);
        Assert.InRange(pausesMs[1], 16, 24);
        Assert.InRange(pausesMs[2], 32, 48);
        Assert.InRange(pausesMs[3], 8, 12);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_supervisor is not null)
        {
            await _supervisor.StopAsync(CancellationToken.None);
            _supervisor.Dispose();
        }
    }

    private ScriptedPipelineFactory Factory(Func<CameraOptions, int, IFrameSource> script) => new(_publisher, script);

    private Task StartAsync(ScriptedPipelineFactory factory, params CameraOptions[] cameras) =>
        StartAsync(factory, cameras, TimeProvider.System);

    private Task StartAsync(ScriptedPipelineFactory factory, CameraOptions[] cameras, TimeProvider time)
    {
        var options = new AgentOptions { Cameras = [.. cameras], Pipeline = new PipelineOptions { ReportIntervalSeconds = 0 } };
        _supervisor = new CameraSupervisor(Options.Create(options), factory, _publisher, _registry, _lifetime, NullLogger<CameraSupervisor>.Instance, time, _cameraList);
        return _supervisor.StartAsync(CancellationToken.None);
    }

    private static CameraOptions Camera(string id, int initialMs = 1, int maxMs = 20) =>
        new() { Id = id, Source = $"{id}.mp4", Backoff = new BackoffOptions { InitialMs = initialMs, MaxMs = maxMs } };

    private static double PauseMs(string? detail)
    {
        var match = PauseSeconds().Match(detail ?? "");
        Assert.True(match.Success, $"no pause in '{detail}'");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * 1000;
    }

    [GeneratedRegex(@"restarting in ([0-9.]+) s$")]
    private static partial Regex PauseSeconds();
}
