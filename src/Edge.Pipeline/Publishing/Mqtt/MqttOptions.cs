using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>
/// How results reach the fleet over MQTT (config section <c>SegMan:Mqtt</c>). Secrets are not part of the
/// configuration: the password comes from <see cref="PasswordFile"/> or the <c>SEGMAN_MQTT_PASSWORD</c> variable.
/// </summary>
public sealed class MqttOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "SegMan:Mqtt";

    /// <summary>The environment variable read for the password when no <see cref="PasswordFile"/> is set.</summary>
    public const string PasswordEnvironmentVariable = "SEGMAN_MQTT_PASSWORD";

    public MqttBrokerMode Broker { get; set; } = MqttBrokerMode.Embedded;

    /// <summary>Broker host name or address (external broker only; the embedded one is always 127.0.0.1).</summary>
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 1883;

    /// <summary>MQTT client id; empty = <c>segman-{DeviceId}</c>.</summary>
    public string? ClientId { get; set; }

    /// <summary>This device's name in topics (<c>{TopicPrefix}/{DeviceId}/…</c>); sanitised before use.</summary>
    public string DeviceId { get; set; } = "";

    /// <summary>First topic level(s); may hold '/' between levels, never wildcards.</summary>
    public string TopicPrefix { get; set; } = "segman";

    public MqttTlsOptions Tls { get; set; } = new();

    public string? Username { get; set; }

    /// <summary>File whose content (one line) is the broker password; wins over <c>SEGMAN_MQTT_PASSWORD</c>.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>Publish per-frame stats for one frame in N (1 = every frame).</summary>
    public int StatsEveryNFrames { get; set; } = 1;

    /// <summary>MQTT 5 message expiry of per-frame stats, in seconds (0 = none).</summary>
    public int StatsExpirySeconds { get; set; } = 10;

    public int SummaryIntervalSeconds { get; set; } = 10;

    public MqttSpoolOptions Spool { get; set; } = new();

    public int KeepAliveSeconds { get; set; } = 15;

    /// <summary>How long to wait for CONNACK or PUBACK before the attempt counts as failed.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Per-frame messages (stats, masks) waiting to be sent; past it the oldest are dropped and counted.</summary>
    public int OutboundQueueCapacity { get; set; } = 64;

    /// <summary>Delays between connection attempts (the same formula as a camera's reopen delays).</summary>
    public BackoffOptions ReconnectBackoff { get; set; } = new();

    /// <summary>The client id actually used.</summary>
    public string EffectiveClientId =>
        string.IsNullOrWhiteSpace(ClientId) ? "segman-" + TopicNames.Sanitize(DeviceId) : ClientId;

    /// <summary>Where the client connects: the embedded broker is always on the loopback address.</summary>
    public string EffectiveHost => Broker == MqttBrokerMode.Embedded ? "127.0.0.1" : Host;
}
