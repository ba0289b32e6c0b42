using SegMan.Edge.Pipeline.Capture;

namespace SegMan.Edge.Agent.Configuration;

/// <summary>
/// The subscribers of an <see cref="ICameraListSource"/>: added and removed from any thread, each told every new list
/// in the order they subscribed.
/// </summary>
internal sealed class CameraListSubscribers
{
    private readonly Lock _gate = new();
    private readonly List<Action<IReadOnlyList<CameraOptions>>> _listeners = [];

    /// <summary>Adds <paramref name="onChange"/>; disposing the result removes it.</summary>
    public IDisposable Add(Action<IReadOnlyList<CameraOptions>> onChange)
    {
        ArgumentNullException.ThrowIfNull(onChange);
        lock (_gate)
        {
            _listeners.Add(onChange);
        }

        return new Subscription(this, onChange);
    }

    public void Notify(IReadOnlyList<CameraOptions> cameras)
    {
        Action<IReadOnlyList<CameraOptions>>[] listeners;
        lock (_gate)
        {
            listeners = [.. _listeners];
        }

        foreach (var listener in listeners)
        {
            listener(cameras);
        }
    }

    private void Remove(Action<IReadOnlyList<CameraOptions>> onChange)
    {
        lock (_gate)
        {
            _listeners.Remove(onChange);
        }
    }

    private sealed class Subscription(CameraListSubscribers owner, Action<IReadOnlyList<CameraOptions>> onChange) : IDisposable
    {
        public void Dispose() => owner.Remove(onChange);
    }
}
