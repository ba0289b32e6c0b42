using System.Net.Sockets;
using System.Security.Authentication;
using MQTTnet;
using MQTTnet.Exceptions;

namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>
/// Turns connect failures into one sentence naming the cause and the setting to look at. Messages are
/// built from result codes and exception types only, so they can never carry a secret.
/// </summary>
internal static class MqttFailureDescriber
{
    private const string Section = MqttOptions.SectionName;

    public static string Describe(MqttClientConnectResultCode code, string endpoint) => code switch
    {
        MqttClientConnectResultCode.BadUserNameOrPassword =>
            $"the broker at {endpoint} rejected the user name or password (BadUserNameOrPassword): check {Section}:Username and the password in {Section}:PasswordFile or {MqttOptions.PasswordEnvironmentVariable}",
        MqttClientConnectResultCode.NotAuthorized =>
            $"the broker at {endpoint} did not authorise this client (NotAuthorized), usually a wrong user name or password: check {Section}:Username and the password in {Section}:PasswordFile or {MqttOptions.PasswordEnvironmentVariable}, then the broker's ACL",
        MqttClientConnectResultCode.ClientIdentifierNotValid =>
            $"the broker at {endpoint} rejected the client id (ClientIdentifierNotValid): set {Section}:ClientId to one it accepts",
        MqttClientConnectResultCode.Banned =>
            $"the broker at {endpoint} has banned this client (Banned): ask its operator",
        MqttClientConnectResultCode.ServerUnavailable or MqttClientConnectResultCode.ServerBusy =>
            $"the broker at {endpoint} is unavailable or busy ({code}); retrying",
        _ => $"the broker at {endpoint} refused the connection ({code})",
    };

    public static string Describe(Exception exception, string endpoint, MqttOptions options)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case AuthenticationException:
                    return $"the TLS handshake with {endpoint} failed ({inner.Message}): check {Section}:Tls:CaFile (the CA that signed the broker's certificate), that {Section}:Host matches a name in that certificate, and the client certificate ({Section}:Tls:ClientCertificateFile/ClientKeyFile or Pfx) when the broker requires one";
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return options.Broker == MqttBrokerMode.Embedded
                        ? $"nothing listens on {endpoint} (connection refused): the embedded broker is not running"
                        : $"nothing listens on {endpoint} (connection refused): is the broker running? check {Section}:Host and {Section}:Port";
                case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData }:
                    return $"the host of {endpoint} cannot be resolved: check {Section}:Host";
                case SocketException socket when options.Tls is { Enabled: true }:
                    return ClosedDuringTls(endpoint, socket.SocketErrorCode.ToString());
                case SocketException socket:
                    return $"network error towards {endpoint} ({socket.SocketErrorCode})";
                case MqttCommunicationTimedOutException or OperationCanceledException or TimeoutException:
                    return $"no answer from {endpoint} within {options.TimeoutSeconds} s ({Section}:TimeoutSeconds)";
            }
        }

        if (options.Tls is { Enabled: true })
        {
            return ClosedDuringTls(endpoint, exception.GetBaseException().Message);
        }

        return $"connecting to {endpoint} failed: {exception.GetBaseException().Message}";
    }

    private static string ClosedDuringTls(string endpoint, string detail) =>
        $"the TLS session with the broker at {endpoint} failed while connecting ({detail}); a broker that requires a client certificate, or does not trust the one sent, does this: check {Section}:Tls:ClientCertificateFile and {Section}:Tls:ClientKeyFile (or {Section}:Tls:Pfx) and that a CA the broker trusts issued the certificate";
}
