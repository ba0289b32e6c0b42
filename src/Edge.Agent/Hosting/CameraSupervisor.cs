using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Pipeline.Capture;
using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Agent.Hosting;

/// <summary>
/// Runs one <see cref="CameraPipeline"/> per configured camera. A pipeline that crashes is reported as
/// <see cref="SourceState.Failed"/> and restarted after a growing pause (the camera's own backoff) without touching the
/// others; when every source has ended (non-looping files) the agent stops. When the configuration file's camera list
/// changes (<see cref="ICameraListSource"/>), added cameras start, removed ones stop (reported
/// <see cref="SourceState.Ended"/>), and a camera whose settings changed restarts; the others run on untouched.
/// </summary>
internal sealed partial class CameraSupervisor(
    IOptions<AgentOptions> agentOptions,
    ICameraPipelineFactory pipelines,
    IResultPublisher publisher,
    PipelineRegistry registry,
    IHostApplicationLifetime lifetime,
    ILogger<CameraSupervisor> logger,
    TimeProvider? time = null,
    ICameraListSource? cameraList = null) : BackgroundService
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<string, CameraRun> _runs = new(StringComparer.Ordinal);

    // Cameras whose source ended, with the settings it ended with: a reload that leaves them as they are does not
    // start them again. Camera settings are records: equal settings compare equal.
    private readonly Dictionary<string, CameraOptions> _ended = new(StringComparer.Ordinal);
    private bool _applied;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = agentOptions.Value;
        var changes = Channel.CreateUnbounded<IReadOnlyList<CameraOptions>>(new UnboundedChannelOptions { SingleReader = true });
        using var subscription = cameraList?.Subscribe(cameras => changes.Writer.TryWrite(cameras));
        if (options.Pipeline.ReportIntervalSeconds > 0)
        {
            _ = ReportAsync(TimeSpan.FromSeconds(options.Pipeline.ReportIntervalSeconds), stoppingToken);
        }

        await ApplyAsync(options.Cameras, stoppingToken).ConfigureAwait(false);
        try
        {
            Task<bool>? changed = null;
            while (_runs.Count > 0)
            {
                // One wait for a change at a time: a run that ends leaves the pending wait in place.
                changed ??= changes.Reader.WaitToReadAsync(stoppingToken).AsTask();
                await Task.WhenAny([changed, .. _runs.Values.Select(run => run.Task)]).ConfigureAwait(false);
                if (stoppingToken.IsCancellationRequested)
                {
                    break;
                }

                if (changed.IsCompleted)
                {
                    changed = null;
                }

                foreach (var (id, run) in _runs.Where(r => r.Value.Task.IsCompleted).ToList())
                {
                    _runs.Remove(id);
                    _ended[id] = run.Camera;
                }

                IReadOnlyList<CameraOptions>? latest = null;
                while (changes.Reader.TryRead(out var cameras))
                {
                    latest = cameras;
                }

                if (latest is not null)
                {
                    await ApplyAsync(latest, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: every run ends with the same token.
        }
        finally
        {
            await Task.WhenAll(_runs.Values.Select(run => Ended(run.Task))).ConfigureAwait(false);
        }

        if (!stoppingToken.IsCancellationRequested)
        {
            LogAllEnded();
            lifetime.StopApplication();
        }
    }

    /// <summary>Stops the cameras the list no longer has or has with other settings, and starts the new ones.</summary>
    private async Task ApplyAsync(IReadOnlyList<CameraOptions> cameras, CancellationToken stoppingToken)
    {
        var wanted = cameras.ToDictionary(camera => camera.Id, StringComparer.Ordinal);
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, run) in _runs.ToList())
        {
            if (!wanted.TryGetValue(id, out var camera))
            {
                await StopAsync(id, run).ConfigureAwait(false);
                LogRemoved(id);
                await ReportAsync(id, SourceState.Ended, "removed from the configuration", stoppingToken).ConfigureAwait(false);
            }
            else if (camera != run.Camera)
            {
                await StopAsync(id, run).ConfigureAwait(false);
                changed.Add(id);
            }
        }

        foreach (var camera in cameras)
        {
            if (_runs.ContainsKey(camera.Id) || (_ended.TryGetValue(camera.Id, out var ended) && ended == camera))
            {
                continue;
            }

            if (changed.Contains(camera.Id) || _ended.ContainsKey(camera.Id))
            {
                LogRestarted(camera.Id);
            }
            else if (_applied)
            {
                LogAdded(camera.Id);
            }

            _ended.Remove(camera.Id);
            var cancel = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            _runs[camera.Id] = new CameraRun(camera, cancel, RunCameraAsync(camera, cancel.Token));
        }

        foreach (var id in _ended.Keys.Where(id => !wanted.ContainsKey(id)).ToList())
        {
            _ended.Remove(id);
        }

        _applied = true;
    }

    private async Task StopAsync(string id, CameraRun run)
    {
        _runs.Remove(id);
        await run.Cancel.CancelAsync().ConfigureAwait(false);
        try
        {
            await Ended(run.Task).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // It is being stopped anyway: the other cameras must not go down with it.
            LogStopFailed(id, ex);
        }
        finally
        {
            run.Cancel.Dispose();
        }
    }

    private static async Task Ended(Task run)
    {
        try
        {
            await run.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped on purpose.
        }
    }

    private async Task RunCameraAsync(CameraOptions camera, CancellationToken stoppingToken)
    {
        var backoff = camera.Backoff.ToPolicy();
        var crashes = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = _time.GetTimestamp();
            try
            {
                using var pipeline = pipelines.Create(camera);
                registry.Add(pipeline);
                try
                {
                    await pipeline.RunAsync(stoppingToken).ConfigureAwait(false);
                    return;
                }
                finally
                {
                    registry.Remove(pipeline);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // A run that lasted longer than the longest pause was healthy: its crash starts the backoff over.
                // Runs that crash sooner count in a row, so a pipeline that keeps crashing waits longer each time.
                crashes = _time.GetElapsedTime(started) >= backoff.Max ? 1 : crashes + 1;
                var pause = backoff.DelayFor(crashes, Random.Shared.NextDouble());
                LogPipelineCrashed(camera.Id, crashes, pause.TotalSeconds, ex);
                await ReportFailedAsync(camera.Id, ex, pause, stoppingToken).ConfigureAwait(false);
                try
                {
                    await Task.Delay(pause, _time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Tells the fleet the camera is down and when it comes back.</summary>
    private Task ReportFailedAsync(string cameraId, Exception crash, TimeSpan pause, CancellationToken stoppingToken)
    {
        // The message may quote the camera's URL (and its password): mask it before it leaves the device.
        var cause = string.IsNullOrWhiteSpace(crash.Message) ? crash.GetType().Name : CredentialMask.Apply(crash.Message);
        var detail = string.Create(CultureInfo.InvariantCulture, $"pipeline crashed: {cause}; restarting in {pause.TotalSeconds:0.###} s");
        return ReportAsync(cameraId, SourceState.Failed, detail, stoppingToken);
    }

    /// <summary>Reports a camera's state; a publisher that fails here is only logged.</summary>
    private async Task ReportAsync(string cameraId, SourceState state, string detail, CancellationToken stoppingToken)
    {
        try
        {
            await publisher.ReportSourceStateAsync(cameraId, state, detail, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Shutting down ends the pause below at once; any other failure must not end the restarts.
            if (!stoppingToken.IsCancellationRequested)
            {
                LogReportFailed(cameraId, ex);
            }
        }
    }

    private async Task ReportAsync(TimeSpan interval, CancellationToken stoppingToken)
    {
        var previous = new Dictionary<string, long>(StringComparer.Ordinal);
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                foreach (var pipeline in registry.Snapshot())
                {
                    var counters = pipeline.Counters;
                    var processed = counters.FramesProcessed;
                    previous.TryGetValue(pipeline.CameraId, out var before);
                    previous[pipeline.CameraId] = processed;
                    // A restarted pipeline counts from zero again: then every frame it has is new since the last report.
                    var fps = (processed >= before ? processed - before : processed) / interval.TotalSeconds;
                    LogCameraReport(pipeline.CameraId, fps, counters.LastLatency.TotalMilliseconds, processed, counters.FramesDropped, counters.StageErrors, counters.Reconnects);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId}: {Fps:F1} fps, latency {LatencyMs:F0} ms, frames {Frames}, dropped {Dropped}, errors {Errors}, reconnects {Reconnects}")]
    private partial void LogCameraReport(string cameraId, double fps, double latencyMs, long frames, long dropped, long errors, long reconnects);

    [LoggerMessage(Level = LogLevel.Error, Message = "Camera {CameraId}: pipeline crashed ({Crashes} in a row); restarting it in {Seconds:0.###} s (other cameras are unaffected)")]
    private partial void LogPipelineCrashed(string cameraId, int crashes, double seconds, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {CameraId}: could not report the crash to the publisher; restarting anyway")]
    private partial void LogReportFailed(string cameraId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Every source has ended; stopping")]
    private partial void LogAllEnded();

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId}: added to the configuration; starting it")]
    private partial void LogAdded(string cameraId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId}: removed from the configuration; its pipeline is stopped")]
    private partial void LogRemoved(string cameraId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {CameraId}: its pipeline failed while being stopped")]
    private partial void LogStopFailed(string cameraId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId}: its settings changed; restarting its pipeline")]
    private partial void LogRestarted(string cameraId);

    /// <summary>A running camera: the settings it runs with, how to stop it, and its run.</summary>
    private sealed record CameraRun(CameraOptions Camera, CancellationTokenSource Cancel, Task Task);
}
