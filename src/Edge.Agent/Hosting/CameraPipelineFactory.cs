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
/// Wires a camera's own source, preprocessor and postprocessor around the shared model and publisher.
/// </summary>
internal sealed class CameraPipelineFactory(
    IOptions<AgentOptions> agentOptions,
    IOptions<MaskOptions> maskOptions,
    ModelRuntime model,
    IResultPublisher publisher,
    ILoggerFactory loggerFactory) : ICameraPipelineFactory
{
    public CameraPipeline Create(CameraOptions camera)
    {
        ArgumentNullException.ThrowIfNull(camera);
        var manifest = model.Segmenter.Manifest;
        var settings = new CameraPipelineSettings(camera.Id)
        {
            ChannelCapacity = agentOptions.Value.Pipeline.ChannelCapacity,
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
}
