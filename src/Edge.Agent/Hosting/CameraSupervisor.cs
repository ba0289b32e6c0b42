using System.Globalization;
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
/// others; when every source has ended (non-looping files) the agent stops.
/// </summary>
internal sealed partial class CameraSupervisor(
    IOptions<AgentOptions> agentOptions,
    ICameraPipelineFactory pipelines,
    IResultPublisher publisher,
    PipelineRegistry registry,
    IHostApplicationLifetime lifetime,
    ILogger<CameraSupervisor> logger,
    TimeProvider? time = null) : BackgroundService
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = agentOptions.Value;
        var runs = options.Cameras.Select(camera => RunCameraAsync(camera, stoppingToken)).ToList();
        if (options.Pipeline.ReportIntervalSeconds > 0)
        {
            _ = ReportAsync(TimeSpan.FromSeconds(options.Pipeline.ReportIntervalSeconds), stoppingToken);
        }

        await Task.WhenAll(runs).ConfigureAwait(false);
        if (!stoppingToken.IsCancellationRequested)
        {
            LogAllEnded();
            lifetime.StopApplication();
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

    /// <summary>Tells the fleet the camera is down and when it comes back; a publisher that fails here is only logged.</summary>
    private async Task ReportFailedAsync(string cameraId, Exception crash, TimeSpan pause, CancellationToken stoppingToken)
    {
        // The message may quote the camera's URL (and its password): mask it before it leaves the device.
        var cause = string.IsNullOrWhiteSpace(crash.Message) ? crash.GetType().Name : CredentialMask.Apply(crash.Message);
        var detail = string.Create(CultureInfo.InvariantCulture, $"pipeline crashed: {cause}; restarting in {pause.TotalSeconds:0.###} s");
        try
        {
            await publisher.ReportSourceStateAsync(cameraId, SourceState.Failed, detail, stoppingToken).ConfigureAwait(false);
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
}
