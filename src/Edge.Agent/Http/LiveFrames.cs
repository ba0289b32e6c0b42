using System.Collections.Frozen;
using Microsoft.Extensions.Options;
using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Agent.Hosting;
using SegMan.Edge.Agent.Metrics;
using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Agent.Http;

/// <summary>
/// The live slot of every configured camera, fed by the publish stage (as an <see cref="IFrameObserver"/>) and read
/// by the live view, <c>/api/cameras</c>, readiness and the fps gauge. Slots are made on first use, once the model
/// (and so the class palette) is loaded.
/// </summary>
internal sealed class LiveFrames : IFrameObserver, IDisposable
{
    private readonly Lazy<FrozenDictionary<string, LiveFrameSlot>> _slots;
    private readonly IReadOnlyList<string> _cameraIds;

    public LiveFrames(
        IOptions<AgentOptions> agentOptions,
        IOptions<HttpOptions> httpOptions,
        IOptions<MaskOptions> maskOptions,
        ModelRuntime model,
        TimeProvider? time = null)
    {
        _cameraIds = [.. agentOptions.Value.Cameras.Select(c => c.Id).Distinct(StringComparer.Ordinal)];
        _slots = new Lazy<FrozenDictionary<string, LiveFrameSlot>>(() =>
        {
            var http = httpOptions.Value;
            var classes = model.Segmenter.Manifest.Classes;
            var alpha = maskOptions.Value.Overlay.Alpha;
            return _cameraIds.ToFrozenDictionary(
                id => id,
                id => new LiveFrameSlot(id, classes, http.OverlayFps, http.JpegQuality, alpha, time),
                StringComparer.Ordinal);
        });
    }

    /// <summary>The configured camera ids, in configuration order.</summary>
    public IReadOnlyList<string> CameraIds => _cameraIds;

    public LiveFrameSlot? Find(string cameraId) => _slots.Value.GetValueOrDefault(cameraId);

    public void OnFrame(FrameContext frame) => Find(frame.CameraId)?.Offer(frame);

    public void OnSourceState(string cameraId, SourceState state, string? detail) => Find(cameraId)?.SetSource(state, detail);

    public void Dispose()
    {
        if (_slots.IsValueCreated)
        {
            foreach (var slot in _slots.Value.Values)
            {
                slot.Dispose();
            }
        }
    }
}
