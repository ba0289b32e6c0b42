using Microsoft.Extensions.Hosting;
using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Pipeline.Publishing.Mqtt;

namespace SegMan.Edge.Agent.Hosting;

/// <summary>
/// Starts the MQTT publisher (its connect loop runs in the background, so a broker that is down at start-up is fine)
/// and stops it last, after the cameras, publishing the offline status. While it runs, a new camera list in the
/// configuration file goes into the birth message.
/// </summary>
internal sealed class PublisherService(MqttResultPublisher publisher, ICameraListSource? cameraList = null) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private IDisposable? _subscription;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await publisher.StartAsync(cancellationToken).ConfigureAwait(false);
        _subscription = cameraList?.Subscribe(cameras =>
            _ = publisher.UpdateCamerasAsync([.. cameras.Select(camera => camera.Id)], _stopping.Token));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await publisher.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _stopping.Dispose();
    }
}
