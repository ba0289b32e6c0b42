using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Pipeline.Capture;
using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Preprocessing;
using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Agent.Hosting;

/// <summary>
/// Runs one <see cref="CameraPipeline"/> per configured camera. A pipeline that crashes is restarted after a pause
/// without touching the others; when every source has ended (non-looping files) the agent stops.
/// </summary>
internal sealed partial class CameraSupervisor(
    IOptions<AgentOptions> agentOptions,
    IOptions<MaskOptions> maskOptions,
    ModelRuntime model,
    IResultPublisher publisher,
    PipelineRegistry registry,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggerFactory) : BackgroundService
{
    private static readonly TimeSpan RestartPause = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger = loggerFactory.CreateLogger<CameraSupervisor>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var segmenter = model.Segmenter;
        LogModelReady(segmenter.Manifest.Name, segmenter.Manifest.Variant, segmenter.Manifest.Precision, segmenter.ExecutionProvider);

        var options = agentOptions.Value;
        var runs = options.Cameras.Select(camera => RunCameraAsync(camera, options.Pipeline, stoppingToken)).ToList();
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

    private async Task RunCameraAsync(CameraOptions camera, PipelineOptions pipelineOptions, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var pipeline = CreatePipeline(camera, pipelineOptions);
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
                LogPipelineCrashed(camera.Id, RestartPause.TotalSeconds, ex);
                await Task.Delay(RestartPause, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private CameraPipeline CreatePipeline(CameraOptions camera, PipelineOptions pipelineOptions)
    {
        var manifest = model.Segmenter.Manifest;
        var settings = new CameraPipelineSettings(camera.Id)
        {
            ChannelCapacity = pipelineOptions.ChannelCapacity,
            Backoff = camera.Backoff.ToPolicy(),
        };
        return new CameraPipeline(
            settings,
            FrameSourceFactory.Create(camera, loggerFactory),
            new Preprocessor(manifest),
            model.Segmenter,
            new Postprocessor(manifest, maskOptions.Value, loggerFactory.CreateLogger<Postprocessor>()),
            publisher,
            loggerFactory.CreateLogger($"SegMan.Edge.Camera.{camera.Id}"));
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
                    var fps = (processed - before) / interval.TotalSeconds;
                    LogCameraReport(pipeline.CameraId, fps, counters.LastLatency.TotalMilliseconds, processed, counters.FramesDropped, counters.StageErrors, counters.Reconnects);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Name} ({Variant}, {Precision}) runs on {ExecutionProvider}")]
    private partial void LogModelReady(string name, string variant, string precision, string executionProvider);

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId}: {Fps:F1} fps, latency {LatencyMs:F0} ms, frames {Frames}, dropped {Dropped}, errors {Errors}, reconnects {Reconnects}")]
    private partial void LogCameraReport(string cameraId, double fps, double latencyMs, long frames, long dropped, long errors, long reconnects);

    [LoggerMessage(Level = LogLevel.Error, Message = "Camera {CameraId}: pipeline crashed; restarting it in {Seconds} s (other cameras are unaffected)")]
    private partial void LogPipelineCrashed(string cameraId, double seconds, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Every source has ended; stopping")]
    private partial void LogAllEnded();
}
