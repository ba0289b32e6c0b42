using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegMan.Edge.Pipeline.Inference;

namespace SegMan.Edge.Agent.Hosting;

/// <summary>
/// Owns the one ONNX Runtime session every camera shares (sessions are thread-safe for Run, and one copy of the
/// weights is all an edge box can afford).
/// </summary>
internal sealed class ModelRuntime(IOptions<InferenceOptions> options, ILoggerFactory loggerFactory) : IDisposable
{
    private readonly Lazy<ISegmenter> _segmenter = new(() => OnnxSegmenter.Create(options.Value, loggerFactory));

    public ISegmenter Segmenter => _segmenter.Value;

    public bool IsLoaded => _segmenter.IsValueCreated;

    public void Dispose()
    {
        if (_segmenter.IsValueCreated)
        {
            _segmenter.Value.Dispose();
        }
    }
}
