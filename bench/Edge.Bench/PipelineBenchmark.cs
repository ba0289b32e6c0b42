using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using SegMan.Edge.Pipeline.Capture;
using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Preprocessing;
using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Publishing.Mqtt;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Bench;

/// <summary>
/// Pipeline throughput (decode → preprocess → infer → postprocess → publish, all stages running) over inference-only
/// throughput of the same model and the same session, measured side by side in one run, plus bytes allocated per frame
/// in steady state (whole process, all threads).
/// </summary>
internal static class PipelineBenchmark
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        using var segmenter = new OnnxSegmenter(new InferenceOptions { Path = options.Model });
        Console.WriteLine($"model {Path.GetFileName(options.Model)} ({segmenter.Manifest.Variant}, {segmenter.Manifest.Precision}) on {segmenter.ExecutionProvider}, " +
                          $"input {segmenter.Manifest.Input.Width}x{segmenter.Manifest.Input.Height}; video {Path.GetFileName(options.Video)}; " +
                          $"{options.Frames} frames after {options.Warmup} warm-up (pipeline: at least one pass of its frame pool); " +
                          $"{Environment.ProcessorCount} cores");

        // Interleave so a drifting machine (thermal, other load) hits both sides alike.
        var (inferenceA, inferenceBytes) = await InferenceOnlyAsync(segmenter, options);
        var plain = await PipelineAsync(segmenter, options, new NullPublisher());
        var (inferenceB, _) = await InferenceOnlyAsync(segmenter, options);
        var inferenceFps = (inferenceA + inferenceB) / 2;

        var rows = new List<(string Name, double Fps, double BytesPerFrame)>
        {
            ("inference only", inferenceFps, inferenceBytes),
            ("pipeline, publisher off", plain.Fps, plain.BytesPerFrame),
        };
        if (options.Mqtt)
        {
            rows.Add(await WithMqttAsync(segmenter, options));
        }

        Console.WriteLine();
        Console.WriteLine($"{"run",-34} {"frames/s",9} {"ratio",7} {"alloc B/frame",14}");
        foreach (var (name, fps, bytes) in rows)
        {
            Console.WriteLine($"{name,-34} {fps,9:F2} {fps / inferenceFps,7:F3} {bytes.ToString("F0", System.Globalization.CultureInfo.InvariantCulture),14}");
        }

        Console.WriteLine($"(inference-only runs: {inferenceA:F2} and {inferenceB:F2} frames/s)");
        return 0;
    }

    private static async Task<(double Fps, double BytesPerFrame)> InferenceOnlyAsync(ISegmenter segmenter, BenchOptions options)
    {
        using var frame = new FrameContext("bench");
        await using (var source = OpenVideo(options, loop: false))
        {
            await source.OpenAsync(CancellationToken.None);
            await source.ReadAsync(frame.Image, CancellationToken.None);
        }

        using var preprocessor = new Preprocessor(segmenter.Manifest);
        preprocessor.Process(frame);
        for (var i = 0; i < options.Warmup; i++)
        {
            segmenter.Run(frame);
        }

        var bytes = GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < options.Frames; i++)
        {
            segmenter.Run(frame);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        return (options.Frames / elapsed.TotalSeconds, (double)(GC.GetTotalAllocatedBytes(precise: true) - bytes) / options.Frames);
    }

    private static async Task<(double Fps, double BytesPerFrame)> PipelineAsync(ISegmenter segmenter, BenchOptions options, IResultPublisher publisher)
    {
        var masks = new MaskOptions { Format = MaskFormat.Png, EveryNFrames = 5, Overlay = new OverlayOptions { Enabled = false } };
        using var pipeline = new CameraPipeline(
            new CameraPipelineSettings("bench"),
            OpenVideo(options, loop: true),
            new Preprocessor(segmenter.Manifest),
            segmenter,
            new Postprocessor(segmenter.Manifest, masks),
            publisher,
            NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = pipeline.RunAsync(stop.Token);

        // Every pooled frame allocates its tensors on its first pass, so warm up at least one pass of the pool; a slow
        // model with a short warm-up would otherwise count those one-off buffers as per-frame allocations.
        var warmup = Math.Max(options.Warmup, pipeline.FramePoolSize);
        await WaitForFramesAsync(pipeline, warmup, run);
        var (frames0, bytes0, time0) = (pipeline.Counters.FramesProcessed, GC.GetTotalAllocatedBytes(precise: true), Stopwatch.GetTimestamp());
        await WaitForFramesAsync(pipeline, warmup + options.Frames, run);
        var (frames1, bytes1, elapsed) = (pipeline.Counters.FramesProcessed, GC.GetTotalAllocatedBytes(precise: true), Stopwatch.GetElapsedTime(time0));

        await stop.CancelAsync();
        await run;
        var frames = frames1 - frames0;
        return (frames / elapsed.TotalSeconds, (double)(bytes1 - bytes0) / frames);
    }

    private static async Task<(string, double, double)> WithMqttAsync(ISegmenter segmenter, BenchOptions options)
    {
        var port = FreePort();
        await using var broker = new EmbeddedMqttBroker(port, NullLogger<EmbeddedMqttBroker>.Instance);
        await broker.StartAsync(CancellationToken.None);
        var spool = Directory.CreateTempSubdirectory("segman-bench-spool-");
        var mqtt = new MqttOptions { Port = port, DeviceId = "bench", Spool = new MqttSpoolOptions { Path = spool.FullName } };
        var device = DeviceDescription.FromManifest(segmenter.Manifest, "bench", segmenter.ExecutionProvider, ["bench"]);
        await using var publisher = new MqttResultPublisher(mqtt, device, NullLoggerFactory.Instance);
        await publisher.StartAsync(CancellationToken.None);
        await publisher.Connection.WaitUntilConnectedAsync(CancellationToken.None);
        var (fps, bytes) = await PipelineAsync(segmenter, options, publisher);
        await publisher.StopAsync(CancellationToken.None);
        spool.Delete(recursive: true);
        return ("pipeline, MQTT (in-process broker)", fps, bytes);
    }

    private static async Task WaitForFramesAsync(CameraPipeline pipeline, long frames, Task run)
    {
        // A periodic timer waits without allocating, so the poll does not pollute the per-frame allocation figure.
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(2));
        while (pipeline.Counters.FramesProcessed < frames)
        {
            if (run.IsCompleted)
            {
                await run;
                throw new InvalidOperationException("The pipeline stopped before the benchmark finished.");
            }

            await poll.WaitForNextTickAsync();
        }
    }

    private static IFrameSource OpenVideo(BenchOptions options, bool loop) =>
        new OpenCvSource(new CameraOptions { Id = "bench", Source = options.Video, Loop = loop, RealTime = false }, NullLogger.Instance);

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
