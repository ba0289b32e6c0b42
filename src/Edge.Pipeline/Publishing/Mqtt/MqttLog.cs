using Microsoft.Extensions.Logging;

namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>Log messages of the MQTT side. No message takes a secret as an argument.</summary>
internal static partial class MqttLog
{
    [LoggerMessage(1001, LogLevel.Information, "MQTT connecting to {Endpoint} as client {ClientId} (user {UserName}, password from {PasswordSource}, TLS {Tls})")]
    public static partial void Starting(ILogger logger, string endpoint, string clientId, string userName, string passwordSource, bool tls);

    [LoggerMessage(1002, LogLevel.Information, "MQTT connected to {Endpoint} after {Attempts} attempt(s); birth published on {StatusTopic}")]
    public static partial void Connected(ILogger logger, string endpoint, int attempts, string statusTopic);

    [LoggerMessage(1003, LogLevel.Warning, "MQTT cannot connect: {Reason}; retrying in {RetryMs} ms")]
    public static partial void ConnectFailed(ILogger logger, string reason, long retryMs);

    [LoggerMessage(1004, LogLevel.Debug, "MQTT still cannot connect (attempt {Attempt}): {Reason}; retrying in {RetryMs} ms")]
    public static partial void ConnectStillFailing(ILogger logger, int attempt, string reason, long retryMs);

    [LoggerMessage(1005, LogLevel.Warning, "MQTT connection to {Endpoint} lost ({Reason}); per-frame messages are dropped and counted, summaries are spooled until it returns")]
    public static partial void ConnectionLost(ILogger logger, string endpoint, string reason);

    [LoggerMessage(1006, LogLevel.Warning, "MQTT broker {Endpoint} did not answer a ping within {TimeoutSeconds} s; dropping the connection")]
    public static partial void PingUnanswered(ILogger logger, string endpoint, int timeoutSeconds);

    [LoggerMessage(1007, LogLevel.Information, "MQTT disconnected from {Endpoint} after publishing the offline status")]
    public static partial void StoppedCleanly(ILogger logger, string endpoint);

    [LoggerMessage(1008, LogLevel.Warning, "MQTT TLS accepts any server certificate (SegMan:Mqtt:Tls:AllowUntrusted): use it for bench tests only")]
    public static partial void AllowUntrusted(ILogger logger);

    [LoggerMessage(1009, LogLevel.Warning, "MQTT could not publish the offline status while stopping: {Reason}")]
    public static partial void OfflineNotPublished(ILogger logger, string reason);

    [LoggerMessage(1010, LogLevel.Error, "MQTT birth could not be published on {StatusTopic}: {Reason}")]
    public static partial void BirthFailed(ILogger logger, string statusTopic, string reason);

    [LoggerMessage(1011, LogLevel.Error, "MQTT connected handler failed")]
    public static partial void ConnectedHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(1012, LogLevel.Warning, "MQTT publish on {Topic} to {Endpoint} has an unknown outcome ({Reason}); ending the session: it is sent again on the next one")]
    public static partial void PublishUnconfirmed(ILogger logger, string endpoint, string topic, string reason);

    [LoggerMessage(1020, LogLevel.Information, "Embedded MQTT broker listening on 127.0.0.1:{Port}")]
    public static partial void BrokerStarted(ILogger logger, int port);

    [LoggerMessage(1021, LogLevel.Information, "Embedded MQTT broker stopped")]
    public static partial void BrokerStopped(ILogger logger);

    [LoggerMessage(1030, LogLevel.Warning, "MQTT summary on {Topic} was refused by the broker ({ReasonCode}); it is dropped from the spool")]
    public static partial void SummaryRefused(ILogger logger, string topic, string reasonCode);

    [LoggerMessage(1031, LogLevel.Information, "MQTT spool holds {Count} summaries ({Bytes} bytes) from before; delivering them first")]
    public static partial void SpoolPending(ILogger logger, int count, long bytes);

    [LoggerMessage(1032, LogLevel.Warning, "MQTT spool record {File} is damaged ({Problem}); skipped")]
    public static partial void SpoolRecordSkipped(ILogger logger, string file, string problem);

    [LoggerMessage(1033, LogLevel.Warning, "MQTT spool is over SegMan:Mqtt:Spool:MaxBytes; dropped the oldest summary on {Topic}")]
    public static partial void SpoolOverflow(ILogger logger, string topic);

    [LoggerMessage(1040, LogLevel.Warning, "MQTT status of camera {CameraId} could not be published: {Reason}")]
    public static partial void CameraStatusFailed(ILogger logger, string cameraId, string reason);

    [LoggerMessage(1041, LogLevel.Error, "MQTT summary of camera {CameraId} could not be written to the spool")]
    public static partial void SummaryNotSpooled(ILogger logger, Exception exception, string cameraId);
}
