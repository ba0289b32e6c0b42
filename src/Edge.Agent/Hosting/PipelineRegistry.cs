using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Agent.Hosting;

/// <summary>The camera pipelines running now, for reports, health and metrics.</summary>
public sealed class PipelineRegistry
{
    private readonly Lock _gate = new();
    private readonly List<CameraPipeline> _pipelines = [];

    public IReadOnlyList<CameraPipeline> Snapshot()
    {
        lock (_gate)
        {
            return [.. _pipelines];
        }
    }

    internal void Add(CameraPipeline pipeline)
    {
        lock (_gate)
        {
            _pipelines.Add(pipeline);
        }
    }

    internal void Remove(CameraPipeline pipeline)
    {
        lock (_gate)
        {
            _pipelines.Remove(pipeline);
        }
    }
}
