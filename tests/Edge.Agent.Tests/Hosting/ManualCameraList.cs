using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Pipeline.Capture;

namespace SegMan.Edge.Agent.Tests.Hosting;

/// <summary>A camera list the test changes by hand, as a reloaded configuration file would.</summary>
internal sealed class ManualCameraList : ICameraListSource
{
    private readonly List<Action<IReadOnlyList<CameraOptions>>> _listeners = [];

    public IDisposable Subscribe(Action<IReadOnlyList<CameraOptions>> onChange)
    {
        lock (_listeners)
        {
            _listeners.Add(onChange);
        }

        return new Unsubscriber(this, onChange);
    }

    public void Change(params CameraOptions[] cameras)
    {
        Action<IReadOnlyList<CameraOptions>>[] listeners;
        lock (_listeners)
        {
            listeners = [.. _listeners];
        }

        foreach (var listener in listeners)
        {
            listener(cameras);
        }
    }

    private sealed class Unsubscriber(ManualCameraList list, Action<IReadOnlyList<CameraOptions>> listener) : IDisposable
    {
        public void Dispose()
        {
            lock (list._listeners)
            {
                list._listeners.Remove(listener);
            }
        }
    }
}
