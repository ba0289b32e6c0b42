using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>Builds MQTTnet client options: MQTT 5, clean start, keep-alive, TLS, credentials and the retained offline will.</summary>
internal static class MqttClientOptionsFactory
{
    public static MqttClientOptions Create(MqttOptions options, MqttSessionMessages session)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(options.EffectiveClientId)
            .WithTcpServer(options.EffectiveHost, options.Port)
            .WithCleanStart()
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(options.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(options.TimeoutSeconds))
            .WithWillTopic(session.StatusTopic)
            .WithWillPayload(session.Will.ToArray())
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillContentType("application/json")
            .WithWillPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData);

        if (!string.IsNullOrEmpty(options.Username))
        {
            builder.WithCredentials(new FileOrEnvironmentCredentials(options));
        }

        if (options.Broker == MqttBrokerMode.External && options.Tls is { Enabled: true } tls)
        {
            builder.WithTlsOptions(MqttTlsSetup.Create(tls, options.Host));
        }

        return builder.Build();
    }

    /// <summary>Reads the password at every connect, so a rotated password file is picked up by the next reconnect.</summary>
    private sealed class FileOrEnvironmentCredentials(MqttOptions options) : IMqttClientCredentialsProvider
    {
        public string GetUserName(MqttClientOptions clientOptions) => options.Username!;

        public byte[]? GetPassword(MqttClientOptions clientOptions) =>
            MqttSecrets.ReadPassword(options) is { } password ? Encoding.UTF8.GetBytes(password) : null;
    }
}
