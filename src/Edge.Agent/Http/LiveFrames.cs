using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Agent.Hosting;
using SegMan.Edge.Agent.Metrics;
using SegMan.Edge.Pipeline.Capture;
using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Agent.Http;

/// <summary>
/// The live slot of every configured camera, fed by the publish stage (as an <see cref="IFrameObserver"/>) and read
/// by the live view, <c>/api/cameras</c>, readiness and the fps gauge. Slots are made on first use, once the model
/// (and so the class palette) is loaded. The camera list follows the configuration file (<see cref="ICameraListSource"/>).
/// </summary>
internal sealed class LiveFrames : IFrameObserver, IDisposable
{
    // Slots are kept when their camera leaves the configuration (a viewer may still hold one), and serve it again if
    // it comes back; Find answers only for the cameras configured now.
    private readonly ConcurrentDictionary<string, LiveFrameSlot> _slots = new(StringComparer.Ordinal);
    private readonly Func<string, LiveFrameSlot> _createSlot;
    private readonly IDisposable? _subscription;
    private volatile IReadOnlyList<string> _cameraIds;

    public LiveFrames(
        IOptions<AgentOptions> agentOptions,
        IOptions<HttpOptions> httpOptions,
        IOptions<MaskOptions> maskOptions,
        ModelRuntime model,
        TimeProvider? time = null,
        ICameraListSource? cameraList = null)
    {
        _cameraIds = Ids(agentOptions.Value.Cameras);
        _createSlot = id =>
        {
            var http = httpOptions.Value;
            return new LiveFrameSlot(id, model.Segmenter.Manifest.Classes, http.OverlayFps, http.JpegQuality, maskOptions.Value.Overlay.Alpha, time);
        };
        _subscription = cameraList?.Subscribe(cameras => _cameraIds = Ids(cameras));
    }

    /// <summary>The configured camera ids, in configuration order.</summary>
    public IReadOnlyList<string> CameraIds => _cameraIds;

    public LiveFrameSlot? Find(string cameraId) => _cameraIds.Contains(cameraId) ? _slots.GetOrAdd(cameraId, _createSlot) : null;

    public void OnFrame(FrameContext frame) => Find(frame.CameraId)?.Offer(frame);

    public void OnSourceState(string cameraId, SourceState state, string? detail) => Find(cameraId)?.SetSource(state, detail);

    public void Dispose()
    {
        _subscription?.Dispose();
        foreach (var slot in _slots.Values)
        {
            slot.Dispose();
        }
    }

    private static string[] Ids(IEnumerable<CameraOptions> cameras) => [.. cameras.Select(c => c.Id).Distinct(StringComparer.Ordinal)];
}
