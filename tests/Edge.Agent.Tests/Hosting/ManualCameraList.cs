using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Pipeline.Capture;

namespace SegMan.Edge.Agent.Tests.Hosting;

/// <summary>A camera list the test changes by hand, as a reloaded configuration file would.</summary>
internal sealed class ManualCameraList : ICameraListSource
{
    private readonly CameraListSubscribers _subscribers = new();

    public IDisposable Subscribe(Action<IReadOnlyList<CameraOptions>> onChange) => _subscribers.Add(onChange);

    public void Change(params CameraOptions[] cameras) => _subscribers.Notify(cameras);
}
