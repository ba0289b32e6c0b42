using System.Buffers;
using System.Globalization;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;

namespace SegMan.Edge.Bench;

/// <summary>
/// A fleet manager that wants every summary: an MQTT 5 client with a persistent session (the broker queues summaries
/// while it is away), reconnecting on its own, that records each summary window once by (camera, start) and counts
/// the repeats that at-least-once delivery may bring.
/// </summary>
internal sealed class SoakSubscriber : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly MqttClientOptions _options;
    private readonly string _filter;
    private readonly HashSet<(string Camera, string Start)> _seen = [];
    private readonly Dictionary<string, List<long>> _windows = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task _reconnecting = Task.CompletedTask;
    private long _duplicates;

    private SoakSubscriber(int port, string filter)
    {
        _filter = filter;
        _options = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTcpServer("127.0.0.1", port)
            .WithClientId("soak-fleet")
            .WithCleanStart(false)
            .WithSessionExpiryInterval(3600)
            .WithTimeout(TimeSpan.FromSeconds(5))
            .Build();
        _client.ApplicationMessageReceivedAsync += e =>
        {
            Record(e.ApplicationMessage.Payload.ToArray());
            return Task.CompletedTask;
        };
    }

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public static async Task<SoakSubscriber> ConnectAsync(int port, string filter)
    {
        var subscriber = new SoakSubscriber(port, filter);
        await subscriber.TryConnectAsync();
        if (!subscriber._client.IsConnected)
        {
            throw new InvalidOperationException($"The fleet subscriber could not connect to 127.0.0.1:{port}.");
        }

        subscriber._reconnecting = Task.Run(subscriber.KeepConnectedAsync);
        return subscriber;
    }

    /// <summary>Distinct summary windows received so far, per camera, in arrival order.</summary>
    public Dictionary<string, List<long>> Windows()
    {
        lock (_seen)
        {
            return _windows.ToDictionary(p => p.Key, p => p.Value.ToList(), StringComparer.Ordinal);
        }
    }

    public int DistinctCount
    {
        get
        {
            lock (_seen)
            {
                return _seen.Count;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reconnecting;
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build()).WaitAsync(TimeSpan.FromSeconds(5));
        }

        _client.Dispose();
        _stop.Dispose();
    }

    private void Record(byte[] payload)
    {
        var root = JsonDocument.Parse(payload).RootElement;
        var camera = root.GetProperty("camera").GetString() ?? "";
        var start = root.GetProperty("start").GetString() ?? "";
        var window = root.GetProperty("window").GetInt64();
        lock (_seen)
        {
            if (!_seen.Add((camera, start)))
            {
                _duplicates++;
                return;
            }

            if (!_windows.TryGetValue(camera, out var windows))
            {
                _windows[camera] = windows = [];
            }

            windows.Add(window);
        }
    }

    private async Task KeepConnectedAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(250, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (!_client.IsConnected)
            {
                await TryConnectAsync();
            }
        }
    }

    private async Task TryConnectAsync()
    {
        try
        {
            var result = await _client.ConnectAsync(_options).WaitAsync(TimeSpan.FromSeconds(5));
            if (!result.IsSessionPresent)
            {
                // A new session (first connect, or the broker lost it): subscribe again.
                await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                    .WithTopicFilter(f => f.WithTopic(_filter).WithAtLeastOnceQoS())
                    .Build()).WaitAsync(TimeSpan.FromSeconds(5));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  fleet subscriber: new session, subscribed to {_filter}"));
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The broker is away; the loop tries again.
        }
    }
}
