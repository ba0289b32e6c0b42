namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>
/// Reads secrets from where the options point. Values read here are handed to the MQTT client and
/// nowhere else: never to a logger, an exception message or a status payload.
/// </summary>
internal static class MqttSecrets
{
    /// <summary>The broker password: <see cref="MqttOptions.PasswordFile"/> first, then <c>SEGMAN_MQTT_PASSWORD</c>.</summary>
    public static string? ReadPassword(MqttOptions options)
    {
        if (!string.IsNullOrEmpty(options.PasswordFile))
        {
            return ReadFirstLine(options.PasswordFile);
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(MqttOptions.PasswordEnvironmentVariable);
        return string.IsNullOrEmpty(fromEnvironment) ? null : fromEnvironment;
    }

    /// <summary>Where the password came from, fit for a log line.</summary>
    public static string DescribePasswordSource(MqttOptions options) =>
        !string.IsNullOrEmpty(options.PasswordFile)
            ? $"{MqttOptions.SectionName}:PasswordFile"
            : Environment.GetEnvironmentVariable(MqttOptions.PasswordEnvironmentVariable) is { Length: > 0 }
                ? MqttOptions.PasswordEnvironmentVariable
                : "none";

    /// <summary>The first line of a secret file, without its line ending (editors add one).</summary>
    public static string ReadFirstLine(string path)
    {
        var text = File.ReadAllText(path);
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
