using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using SegMan.Edge.Agent.Hosting;
using SegMan.Edge.Pipeline.Capture;
using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Preprocessing;
using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Agent.Tests.Hosting;

/// <summary>
/// Real <see cref="CameraPipeline"/>s with no-op stages around a <see cref="FakeFrameSource"/>. The script gets the
/// camera and its run number (1 for the first) and returns that run's source, or throws to fail the run's creation.
/// </summary>
internal sealed class ScriptedPipelineFactory(IResultPublisher publisher, Func<CameraOptions, int, IFrameSource> script) : ICameraPipelineFactory
{
    private readonly ConcurrentDictionary<string, int> _runs = new(StringComparer.Ordinal);

    public int Runs(string cameraId) => _runs.GetValueOrDefault(cameraId);

    public CameraPipeline Create(CameraOptions camera)
    {
        var run = _runs.AddOrUpdate(camera.Id, 1, (_, runs) => runs + 1);
        var source = script(camera, run);
        return new CameraPipeline(
            new CameraPipelineSettings(camera.Id),
            source,
            Substitute.For<IPreprocessor>(),
            Substitute.For<ISegmenter>(),
            Substitute.For<IPostprocessor>(),
            publisher,
            NullLogger.Instance);
    }
}
