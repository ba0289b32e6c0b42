using System.Buffers;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace SegMan.Edge.Pipeline.Tests.Publishing.Support;

/// <summary>One message as a subscriber received it; <see cref="Duplicate"/> is the DUP flag of a broker's redelivery.</summary>
internal sealed record ReceivedMessage(
    string Topic,
    byte[] Payload,
    bool Retain,
    MqttQualityOfServiceLevel QualityOfService,
    string? ContentType,
    uint MessageExpiryInterval,
    IReadOnlyDictionary<string, string> UserProperties,
    bool Duplicate)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Payload);

    public System.Text.Json.JsonElement Json => System.Text.Json.JsonDocument.Parse(Payload).RootElement;
}

/// <summary>An MQTTnet client that subscribes to a filter and records what arrives; every wait is bounded.</summary>
internal sealed class TestSubscriber : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly List<ReceivedMessage> _received = [];
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly MqttClientOptions _options;
    private readonly string _filter;

    private TestSubscriber(MqttClientOptions options, string filter)
    {
        _options = options;
        _filter = filter;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var message = e.ApplicationMessage;
            var properties = (message.UserProperties ?? [])
                .GroupBy(p => p.Name)
                .ToDictionary(g => g.Key, g => System.Text.Encoding.UTF8.GetString(g.Last().ValueBuffer.Span));
            lock (_received)
            {
                _received.Add(new ReceivedMessage(message.Topic, message.Payload.ToArray(), message.Retain,
                    message.QualityOfServiceLevel, message.ContentType, message.MessageExpiryInterval, properties, message.Dup));
            }

            _arrived.Release();
            return Task.CompletedTask;
        };
    }

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/> and subscribes (QoS 1). A persistent session survives reconnects and broker restarts.</summary>
    public static async Task<TestSubscriber> ConnectAsync(
        int port, string filter, string? persistentClientId = null, Action<MqttClientOptionsBuilder>? configure = null)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTcpServer("127.0.0.1", port)
            .WithTimeout(TimeSpan.FromSeconds(5));
        if (persistentClientId is not null)
        {
            builder.WithClientId(persistentClientId).WithCleanStart(false).WithSessionExpiryInterval(600);
        }

        configure?.Invoke(builder);

        var subscriber = new TestSubscriber(builder.Build(), filter);
        await subscriber.ConnectAndSubscribeAsync();
        return subscriber;
    }

    public bool IsConnected => _client.IsConnected;

    public IReadOnlyList<ReceivedMessage> Received
    {
        get
        {
            lock (_received)
            {
                return _received.ToArray();
            }
        }
    }

    public IReadOnlyList<ReceivedMessage> On(string topic) => Received.Where(m => m.Topic == topic).ToArray();

    /// <summary>Reconnects (e.g. after a broker restart), retrying until <paramref name="timeout"/>.</summary>
    public async Task ReconnectAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (_client.IsConnected)
                {
                    return;
                }

                await _client.ConnectAsync(_options);
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Waits for the first received message (old or new) that satisfies <paramref name="match"/>.</summary>
    public async Task<ReceivedMessage> WaitForAsync(Func<ReceivedMessage, bool> match, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var found = Received.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds} s for {what}; received: {Describe()}");
            }

            await _arrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Waits until <paramref name="count"/> messages on <paramref name="topic"/> have arrived.</summary>
    public async Task<IReadOnlyList<ReceivedMessage>> WaitForCountAsync(string topic, int count, TimeSpan timeout)
    {
        await WaitForAsync(_ => On(topic).Count >= count, timeout, $"{count} messages on {topic}");
        return On(topic);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build()).WaitAsync(TimeSpan.FromSeconds(5));
            }
        }
        catch (Exception)
        {
            // The broker may already be gone.
        }

        _client.Dispose();
        _arrived.Dispose();
    }

    private async Task ConnectAndSubscribeAsync()
    {
        await _client.ConnectAsync(_options).WaitAsync(TimeSpan.FromSeconds(10));
        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(_filter).WithAtLeastOnceQoS())
            .Build()).WaitAsync(TimeSpan.FromSeconds(10));
    }

    private string Describe() => string.Join("; ", Received.TakeLast(20).Select(m => $"{m.Topic}={(m.Payload.Length < 300 ? m.Text : m.Payload.Length + " bytes")}"));
}
