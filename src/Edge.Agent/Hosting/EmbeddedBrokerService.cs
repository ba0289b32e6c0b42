using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegMan.Edge.Pipeline.Publishing.Mqtt;

namespace SegMan.Edge.Agent.Hosting;

/// <summary>Runs the in-process MQTT broker on 127.0.0.1 when <c>SegMan:Mqtt:Broker</c> is <c>embedded</c>.</summary>
internal sealed class EmbeddedBrokerService(IOptions<MqttOptions> options, ILogger<EmbeddedMqttBroker> logger) : IHostedService, IAsyncDisposable
{
    private EmbeddedMqttBroker? _broker;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Broker != MqttBrokerMode.Embedded)
        {
            return;
        }

        _broker = new EmbeddedMqttBroker(options.Value.Port, logger);
        await _broker.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        _broker?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync().ConfigureAwait(false);
        }
    }
}
