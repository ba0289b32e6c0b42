using Microsoft.Extensions.Hosting;
using SegMan.Edge.Pipeline.Publishing.Mqtt;

namespace SegMan.Edge.Agent.Hosting;

/// <summary>
/// Starts the MQTT publisher (its connect loop runs in the background, so a broker that is down at start-up is fine)
/// and stops it last, after the cameras, publishing the offline status.
/// </summary>
internal sealed class PublisherService(MqttResultPublisher publisher) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => publisher.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => publisher.StopAsync(cancellationToken);
}
