using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MQTTnet.Server;

namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>
/// The in-process broker for the embedded default: MQTTnet's server on 127.0.0.1 only (never on other
/// interfaces), retained messages in memory. Port 0 picks a free port (see <see cref="Port"/> after start).
/// </summary>
public sealed class EmbeddedMqttBroker : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly MqttServerOptions _serverOptions;
    private MqttServer? _server;

    public EmbeddedMqttBroker(int port, ILogger<EmbeddedMqttBroker> logger)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
        _serverOptions = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(port)
            .Build();
    }

    /// <summary>The port it listens on (the chosen one when started with port 0).</summary>
    public int Port => _serverOptions.DefaultEndpointOptions.Port;

    public bool IsRunning => _server?.IsStarted == true;

    /// <summary>The MQTTnet server, for in-process inspection (retained messages, clients).</summary>
    public MqttServer Server => _server ?? throw new InvalidOperationException("The embedded MQTT broker is not started.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            throw new InvalidOperationException("The embedded MQTT broker was already started.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var requestedPort = Port;
        var server = new MqttServerFactory().CreateMqttServer(_serverOptions);
        try
        {
            await server.StartAsync().ConfigureAwait(false);
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            server.Dispose();
            throw new InvalidOperationException(
                $"The embedded MQTT broker cannot listen on 127.0.0.1:{requestedPort}: the port is already in use by another process. " +
                $"Stop that process, choose a free port in {MqttOptions.SectionName}:Port, or, if it is a broker you want to use, " +
                $"set {MqttOptions.SectionName}:Broker to 'External'.",
                exception);
        }

        _server = server;
        MqttLog.BrokerStarted(_logger, Port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var server = _server;
        if (server is null)
        {
            return;
        }

        _server = null;
        try
        {
            await server.StopAsync(new MqttServerStopOptionsBuilder().Build()).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            server.Dispose();
            MqttLog.BrokerStopped(_logger);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);
}
