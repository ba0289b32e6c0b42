using Microsoft.ML.OnnxRuntime;

namespace SegMan.Edge.Pipeline.Inference;

/// <summary>
/// An ONNX Runtime session with the options it was made from (kept alive with it: they hold the registered
/// custom-op library) and the provider that runs it.
/// </summary>
internal sealed class LoadedSession(
    InferenceSession session, SessionOptions options, ExecutionProviderKind provider, string? fallbackReason, string? limitation = null)
    : IDisposable
{
    public InferenceSession Session { get; } = session;

    public ExecutionProviderKind Provider { get; } = provider;

    /// <summary>Why faster providers were passed over; null when the requested one runs.</summary>
    public string? FallbackReason { get; } = fallbackReason;

    /// <summary>What the provider that runs does less well than it could, and the fix; null when nothing.</summary>
    public string? Limitation { get; } = limitation;

    public void Dispose()
    {
        Session.Dispose();
        options.Dispose();
    }
}
