using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Agent.Hosting;
using SegMan.Edge.Kernels;
using SegMan.Edge.Pipeline.Capture;
using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Models;
using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Preprocessing;
using SegMan.Edge.Pipeline.Publishing.Mqtt;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Agent;

/// <summary>
/// <c>segman-edge check</c>: loads the configuration and the model, runs one frame from every camera through all
/// stages, and prints what would run — for diagnosis in the field. Exit code 0 when every camera produced a frame.
/// </summary>
internal static class CheckCommand
{
    private static readonly TimeSpan FrameDeadline = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(IHost host, TextWriter output)
    {
        var services = host.Services;
        ConfigurationErrors.ThrowIfAnyInvalid(services);
        var paths = services.GetRequiredService<AgentPaths>();
        var agent = services.GetRequiredService<IOptions<AgentOptions>>().Value;
        var inference = services.GetRequiredService<IOptions<InferenceOptions>>().Value;
        var masks = services.GetRequiredService<IOptions<MaskOptions>>().Value;
        var mqtt = services.GetRequiredService<IOptions<MqttOptions>>().Value;
        var loggerFactory = services.GetRequiredService<ILoggerFactory>();

        await output.WriteLineAsync($"segman-edge {AgentServiceCollectionExtensions.Version}");
        await output.WriteLineAsync($"config:      {paths.ConfigFile}");
        var segmenter = services.GetRequiredService<ModelRuntime>().Segmenter;
        var manifest = segmenter.Manifest;
        await output.WriteLineAsync($"model:       {inference.Path}");
        await output.WriteLineAsync($"             {manifest.Name} ({manifest.Variant}, {manifest.Precision}), input {manifest.Input.Width}x{manifest.Input.Height} {manifest.Input.Dtype}, output {manifest.Output.Kind} at 1/{manifest.Output.Stride}{(manifest.Output.IsBilinear ? " (upsampled bilinearly)" : "")}, {manifest.Classes.Count} classes{SlideNote(manifest)}");
        await output.WriteLineAsync($"providers:   asked {inference.ExecutionProvider}, running {segmenter.ExecutionProvider} (fallback order tensorrt > cuda > cpu)");
        var opsLibrary = manifest.CustomOps.Ops.Count == 0
            ? "not needed (standard ONNX ops only)"
            : $"{string.Join(", ", manifest.CustomOps.Ops)} from {CustomOpLibrary.Locate(inference.CustomOpLibrary) ?? "(not found)"}";
        await output.WriteLineAsync($"custom ops:  {opsLibrary}");
        var root = TopicNames.DeviceRoot(mqtt.TopicPrefix, mqtt.DeviceId);
        await output.WriteLineAsync($"mqtt:        {mqtt.Broker} broker {mqtt.EffectiveHost}:{mqtt.Port}{(mqtt.Tls.Enabled ? " (TLS)" : "")}, status topic {TopicNames.DeviceStatus(root)}");

        var failures = 0;
        foreach (var camera in agent.Cameras)
        {
            var topics = CameraTopics.Create(root, camera.Id);
            await output.WriteLineAsync($"camera {camera.Id}: {CredentialMask.Apply(camera.Source)} ({CameraKinds.Resolve(camera)})");
            await output.WriteLineAsync($"  topics:    {topics.Stats}, {topics.Mask}, {topics.Summary}, {topics.Status}");
            try
            {
                await output.WriteLineAsync($"  frame:     {await RunOneFrameAsync(camera, segmenter, masks, loggerFactory)}");
            }
            catch (Exception ex) when (ex is FrameSourceException or TimeoutException or InvalidOperationException or OpenCvSharp.OpenCVException)
            {
                failures++;
                await output.WriteLineAsync($"  FAILED:    {ex.Message}");
            }
        }

        await output.WriteLineAsync(failures == 0 ? "check: ok" : $"check: {failures} camera(s) failed");
        return failures == 0 ? 0 : 1;
    }

    private static async Task<string> RunOneFrameAsync(CameraOptions camera, ISegmenter segmenter, MaskOptions masks, ILoggerFactory loggerFactory)
    {
        using var cts = new CancellationTokenSource(FrameDeadline);
        await using var source = FrameSourceFactory.Create(camera, loggerFactory);
        using var frame = new FrameContext(camera.Id);
        using var preprocessor = new Preprocessor(segmenter.Manifest);
        using var postprocessor = new Postprocessor(segmenter.Manifest, masks with { Overlay = new OverlayOptions { Enabled = false } });
        try
        {
            await source.OpenAsync(cts.Token);
            if (!await source.ReadAsync(frame.Image, cts.Token))
            {
                throw new InvalidOperationException("the source ended before the first frame");
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no frame within {FrameDeadline.TotalSeconds} s");
        }

        var started = Stopwatch.GetTimestamp();
        preprocessor.Process(frame);
        var preprocessed = Stopwatch.GetTimestamp();
        segmenter.Run(frame);
        var inferred = Stopwatch.GetTimestamp();
        postprocessor.Process(frame);
        var done = Stopwatch.GetTimestamp();

        var top = frame.ClassFractions
            .Select((fraction, id) => (fraction, id))
            .OrderByDescending(c => c.fraction)
            .Take(3)
            .Select(c => $"{segmenter.Manifest.Classes[c.id].Name} {c.fraction:P0}");
        return $"{frame.Image.Width}x{frame.Image.Height} -> labels {frame.Labels.Width}x{frame.Labels.Height}; " +
               $"pre {Ms(started, preprocessed):F1} ms, infer {Ms(preprocessed, inferred):F1} ms, post {Ms(inferred, done):F1} ms; " +
               $"top: {string.Join(", ", top)}";
    }

    private static string SlideNote(ModelManifest manifest) => manifest.Slide is { } slide
        ? $", windows slid every {slide.ColumnStride}x{slide.RowStride} over frames resized to {slide.Width}x{slide.Height}"
        : "";

    private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;
}
