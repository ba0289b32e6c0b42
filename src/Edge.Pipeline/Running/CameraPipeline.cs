using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SegMan.Edge.Pipeline.Capture;
using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Preprocessing;
using SegMan.Edge.Pipeline.Publishing;

namespace SegMan.Edge.Pipeline.Running;

/// <summary>
/// One camera: capture → preprocess → infer → postprocess → publish, each stage on its own loop, joined by small
/// bounded channels. A live source drops the oldest waiting frame when the pipeline is behind (and counts it); a file
/// source waits. A frame that fails in a stage is logged, counted and skipped; a source that fails is reopened with
/// capped exponential backoff. Nothing here stops other cameras.
/// </summary>
public sealed partial class CameraPipeline : IDisposable
{
    private const int Stages = 4;

    private readonly CameraPipelineSettings _settings;
    private readonly IFrameSource _source;
    private readonly IPreprocessor _preprocessor;
    private readonly ISegmenter _segmenter;
    private readonly IPostprocessor _postprocessor;
    private readonly IResultPublisher _publisher;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly FrameContextPool _pool;

    public CameraPipeline(
        CameraPipelineSettings settings,
        IFrameSource source,
        IPreprocessor preprocessor,
        ISegmenter segmenter,
        IPostprocessor postprocessor,
        IResultPublisher publisher,
        ILogger logger,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.ChannelCapacity);
        _settings = settings;
        _source = source;
        _preprocessor = preprocessor;
        _segmenter = segmenter;
        _postprocessor = postprocessor;
        _publisher = publisher;
        _logger = logger;
        _time = time ?? TimeProvider.System;

        // Every context is free, in one of the four channels, held by one of the four stages, or being filled by capture.
        _pool = new FrameContextPool(settings.CameraId, (Stages * settings.ChannelCapacity) + Stages + 1);
    }

    public string CameraId => _settings.CameraId;

    public CameraCounters Counters { get; } = new();

    /// <summary>
    /// Frame contexts this camera owns. Each allocates its buffers on its first pass through the stages, so the
    /// allocation-free steady state starts once this many frames have been processed.
    /// </summary>
    public int FramePoolSize => _pool.Size;

    /// <summary>Runs until the source ends (a non-looping file) or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // A live source's frames reach inference through latest-frame slots: each holds only the newest frame, so
        // inference always starts on a frame at most one capture interval old. Queues of ChannelCapacity frames there
        // made a frame wait about 2·ChannelCapacity + 1 inference times when inference was the slower stage.
        var live = _source.IsLive;
        var captured = live ? CreateLatestFrameSlot() : CreateChannel();
        var preprocessed = live ? CreateLatestFrameSlot() : CreateChannel();
        var inferred = CreateChannel();
        var postprocessed = CreateChannel();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // A channel wait given a cancellable token allocates a new waiter each time it has to wait, which in steady
        // state is several times a frame; so the stages wait on the channels without a token, and stopping completes
        // the channels instead, which ends every wait, pending or future, with an OperationCanceledException.
        Channel<FrameContext>[] channels = [captured, preprocessed, inferred, postprocessed];
        using var completeOnStop = stop.Token.Register(() => CompleteAll(channels, new OperationCanceledException(stop.Token)));
        var stages = new[]
        {
            Task.Run(() => CaptureLoopAsync(captured.Writer, stop.Token), CancellationToken.None),
            Task.Run(() => StageLoopAsync(captured.Reader, preprocessed.Writer, Preprocess, stop.Token), CancellationToken.None),
            Task.Run(() => StageLoopAsync(preprocessed.Reader, inferred.Writer, Infer, stop.Token), CancellationToken.None),
            Task.Run(() => StageLoopAsync(inferred.Reader, postprocessed.Writer, Postprocess, stop.Token), CancellationToken.None),
            Task.Run(() => PublishLoopAsync(postprocessed.Reader, stop.Token), CancellationToken.None),
        };

        try
        {
            await Task.WhenAll(stages).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Normal shutdown.
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await _source.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static void CompleteAll(Channel<FrameContext>[] channels, OperationCanceledException stopped)
    {
        foreach (var channel in channels)
        {
            channel.Writer.TryComplete(stopped);
        }
    }

    private Channel<FrameContext> CreateChannel() => CreateChannel(_settings.ChannelCapacity, BoundedChannelFullMode.Wait);

    private Channel<FrameContext> CreateLatestFrameSlot() => CreateChannel(1, BoundedChannelFullMode.DropOldest);

    private Channel<FrameContext> CreateChannel(int capacity, BoundedChannelFullMode fullMode)
    {
        var options = new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = fullMode,
        };
        return Channel.CreateBounded<FrameContext>(options, dropped =>
        {
            Counters.OnDropped();
            _pool.Return(dropped);
        });
    }

    private async Task CaptureLoopAsync(ChannelWriter<FrameContext> output, CancellationToken cancellationToken)
    {
        var attempt = 0;
        var open = false;
        var streaming = false;
        long sequence = 0;
        try
        {
            await _publisher.ReportSourceStateAsync(CameraId, SourceState.Starting, _source.Name, cancellationToken).ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                if (!open)
                {
                    open = await TryOpenAsync(attempt, cancellationToken).ConfigureAwait(false);
                    attempt = open ? 0 : attempt + 1;
                    streaming = false;
                    continue;
                }

                var frame = await _pool.RentAsync(cancellationToken).ConfigureAwait(false);
                var started = Stopwatch.GetTimestamp();
                bool gotFrame;
                try
                {
                    gotFrame = await _source.ReadAsync(frame.Image, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    _pool.Return(frame);
                    open = false;
                    attempt = 1;
                    Counters.OnReconnect();
                    LogSourceFailed(CameraId, _source.Name, ex.Message);
                    await _publisher.ReportSourceStateAsync(CameraId, SourceState.Reconnecting, ex.Message, cancellationToken).ConfigureAwait(false);

                    // The reopen waits out the backoff (TryOpenAsync with attempt 1); waiting here too doubled it.
                    continue;
                }

                if (!gotFrame)
                {
                    _pool.Return(frame);
                    LogSourceEnded(CameraId, _source.Name);
                    await _publisher.ReportSourceStateAsync(CameraId, SourceState.Ended, _source.Name, cancellationToken).ConfigureAwait(false);
                    break;
                }

                frame.Timings.Capture = Stopwatch.GetElapsedTime(started);

                // Streaming once frames flow, not when the source opens: a damaged file or a dead stream can open
                // and then deliver nothing.
                if (!streaming)
                {
                    streaming = true;
                    await _publisher.ReportSourceStateAsync(CameraId, SourceState.Streaming, _source.Name, cancellationToken).ConfigureAwait(false);
                }

                frame.Sequence = sequence++;
                frame.CapturedAt = _time.GetUtcNow();
                frame.DroppedFrames = Counters.FramesDropped;
                Counters.OnCaptured();
                await output.WriteAsync(frame).ConfigureAwait(false);
            }
        }
        finally
        {
            output.TryComplete();
        }
    }

    private async ValueTask<bool> TryOpenAsync(int attempt, CancellationToken cancellationToken)
    {
        if (attempt > 0)
        {
            await DelayAsync(attempt, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await _source.OpenAsync(cancellationToken).ConfigureAwait(false);
            LogSourceOpened(CameraId, _source.Name, _source.IsLive);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogOpenFailed(CameraId, _source.Name, attempt + 1, ex.Message);
            await _publisher.ReportSourceStateAsync(CameraId, SourceState.Reconnecting, ex.Message, cancellationToken).ConfigureAwait(false);
            return false;
        }
    }

    private Task DelayAsync(int attempt, CancellationToken cancellationToken) =>
        Task.Delay(_settings.Backoff.DelayFor(attempt, Random.Shared.NextDouble()), _time, cancellationToken);

    private async Task StageLoopAsync(
        ChannelReader<FrameContext> input,
        ChannelWriter<FrameContext> output,
        Action<FrameContext> stage,
        CancellationToken cancellationToken)
    {
        try
        {
            while (await input.WaitToReadAsync().ConfigureAwait(false))
            {
                while (!cancellationToken.IsCancellationRequested && input.TryRead(out var frame))
                {
                    try
                    {
                        stage(frame);
                    }
                    catch (Exception ex)
                    {
                        await FailFrameAsync(frame, stage.Method.Name, ex, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    await output.WriteAsync(frame).ConfigureAwait(false);
                }

                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            output.TryComplete();
        }
    }

    private void Preprocess(FrameContext frame)
    {
        var started = Stopwatch.GetTimestamp();
        _preprocessor.Process(frame);
        frame.Timings.Preprocess = Stopwatch.GetElapsedTime(started);
    }

    private void Infer(FrameContext frame)
    {
        var started = Stopwatch.GetTimestamp();
        _segmenter.Run(frame);
        frame.Timings.Inference = Stopwatch.GetElapsedTime(started);
    }

    private void Postprocess(FrameContext frame)
    {
        var started = Stopwatch.GetTimestamp();
        _postprocessor.Process(frame);
        frame.Timings.Postprocess = Stopwatch.GetElapsedTime(started);
    }

    private async Task PublishLoopAsync(ChannelReader<FrameContext> input, CancellationToken cancellationToken)
    {
        while (await input.WaitToReadAsync().ConfigureAwait(false))
        {
            while (!cancellationToken.IsCancellationRequested && input.TryRead(out var frame))
            {
                try
                {
                    await _publisher.PublishAsync(frame, cancellationToken).ConfigureAwait(false);
                    Counters.OnProcessed(_time.GetUtcNow() - frame.CapturedAt);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    await FailFrameAsync(frame, "Publish", ex, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                _pool.Return(frame);
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private async ValueTask FailFrameAsync(FrameContext frame, string stage, Exception ex, CancellationToken cancellationToken)
    {
        Counters.OnError();
        LogStageFailed(CameraId, stage, frame.Sequence, ex);
        _pool.Return(frame);
        await _publisher.ReportFrameErrorAsync(CameraId, stage, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Releases the frame pool and the per-camera stages (the shared segmenter and publisher belong to the caller).</summary>
    public void Dispose()
    {
        _pool.Dispose();
        (_preprocessor as IDisposable)?.Dispose();
        (_postprocessor as IDisposable)?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId}: opened {Source} (live: {IsLive})")]
    private partial void LogSourceOpened(string cameraId, string source, bool isLive);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {CameraId}: could not open {Source} (attempt {Attempt}): {Reason}")]
    private partial void LogOpenFailed(string cameraId, string source, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {CameraId}: {Source} failed, reconnecting with backoff: {Reason}")]
    private partial void LogSourceFailed(string cameraId, string source, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId}: {Source} ended")]
    private partial void LogSourceEnded(string cameraId, string source);

    [LoggerMessage(Level = LogLevel.Error, Message = "Camera {CameraId}: {Stage} failed on frame {Sequence}; the frame is skipped")]
    private partial void LogStageFailed(string cameraId, string stage, long sequence, Exception exception);
}
