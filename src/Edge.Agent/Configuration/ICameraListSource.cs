using SegMan.Edge.Pipeline.Capture;

namespace SegMan.Edge.Agent.Configuration;

/// <summary>Tells its subscribers the camera list each time the configuration changes and the new one is valid.</summary>
internal interface ICameraListSource
{
    IDisposable Subscribe(Action<IReadOnlyList<CameraOptions>> onChange);
}
