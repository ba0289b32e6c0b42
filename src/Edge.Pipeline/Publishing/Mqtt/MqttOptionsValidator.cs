using Microsoft.Extensions.Options;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>Checks <see cref="MqttOptions"/>; every message names the config key and how to fix it.</summary>
public sealed class MqttOptionsValidator : IValidateOptions<MqttOptions>
{
    private const string Section = MqttOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, MqttOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        if (!Enum.IsDefined(options.Broker))
        {
            failures.Add($"{Section}:Broker is '{options.Broker}': use 'Embedded' (in-process broker on 127.0.0.1) or 'External'.");
        }

        if (options.Broker == MqttBrokerMode.External && string.IsNullOrWhiteSpace(options.Host))
        {
            failures.Add($"{Section}:Host is empty: set the broker's host name or address, or set {Section}:Broker to 'Embedded'.");
        }

        if (options.Port is < 1 or > 65535)
        {
            failures.Add($"{Section}:Port is {options.Port}: use a TCP port between 1 and 65535 (1883 plain, 8883 TLS).");
        }

        if (string.IsNullOrWhiteSpace(options.DeviceId))
        {
            failures.Add($"{Section}:DeviceId is required: set a name unique in the fleet, e.g. 'robot-07' (it becomes a topic level).");
        }

        if (TopicNames.ValidatePrefix(options.TopicPrefix) is { } prefixProblem)
        {
            failures.Add($"{Section}:TopicPrefix '{options.TopicPrefix}' {prefixProblem}: use plain levels such as 'segman' or 'fleet/segman'.");
        }

        if (options.ClientId is { Length: > 0 } clientId && (clientId.Contains('+') || clientId.Contains('#')))
        {
            failures.Add($"{Section}:ClientId '{clientId}' holds '+' or '#': use letters, digits, '-' and '_', or leave it empty for 'segman-{{DeviceId}}'.");
        }

        if (options.StatsEveryNFrames < 1)
        {
            failures.Add($"{Section}:StatsEveryNFrames is {options.StatsEveryNFrames}: use 1 (every frame) or more.");
        }

        if (options.StatsExpirySeconds < 0)
        {
            failures.Add($"{Section}:StatsExpirySeconds is {options.StatsExpirySeconds}: use 0 (no expiry) or a number of seconds.");
        }

        if (options.SummaryIntervalSeconds < 1)
        {
            failures.Add($"{Section}:SummaryIntervalSeconds is {options.SummaryIntervalSeconds}: use 1 or more (default 10).");
        }

        if (options.KeepAliveSeconds is < 1 or > 65535)
        {
            failures.Add($"{Section}:KeepAliveSeconds is {options.KeepAliveSeconds}: use 1 to 65535 (default 15); it is how fast a dead broker is noticed.");
        }

        if (options.TimeoutSeconds < 1)
        {
            failures.Add($"{Section}:TimeoutSeconds is {options.TimeoutSeconds}: use 1 or more (default 10).");
        }

        if (options.OutboundQueueCapacity < 1)
        {
            failures.Add($"{Section}:OutboundQueueCapacity is {options.OutboundQueueCapacity}: use 1 or more (default 64).");
        }

        ValidateBackoff(options.ReconnectBackoff, failures);
        ValidateSpool(options.Spool, failures);
        ValidateCredentials(options, failures);
        ValidateTls(options, failures);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateBackoff(BackoffOptions? backoff, List<string> failures)
    {
        if (backoff is null)
        {
            failures.Add($"{Section}:ReconnectBackoff is missing: remove the null or set InitialMs and MaxMs.");
            return;
        }

        if (backoff.InitialMs < 10)
        {
            failures.Add($"{Section}:ReconnectBackoff:InitialMs is {backoff.InitialMs}: use 10 ms or more (default 500).");
        }

        if (backoff.MaxMs < backoff.InitialMs)
        {
            failures.Add($"{Section}:ReconnectBackoff:MaxMs ({backoff.MaxMs}) is below InitialMs ({backoff.InitialMs}): raise MaxMs (default 30000).");
        }
    }

    private static void ValidateSpool(MqttSpoolOptions? spool, List<string> failures)
    {
        if (spool is null || string.IsNullOrWhiteSpace(spool.Path))
        {
            failures.Add($"{Section}:Spool:Path is empty: set a writable folder for summaries kept while the broker is away.");
        }

        if (spool is not null && spool.MaxBytes < 64 * 1024)
        {
            failures.Add($"{Section}:Spool:MaxBytes is {spool.MaxBytes}: use at least 65536 bytes (default 64 MiB).");
        }
    }

    private static void ValidateCredentials(MqttOptions options, List<string> failures)
    {
        if (!string.IsNullOrEmpty(options.PasswordFile))
        {
            if (!File.Exists(options.PasswordFile))
            {
                failures.Add($"{Section}:PasswordFile '{options.PasswordFile}' does not exist: create it (one line, the password) or remove the key.");
            }

            if (string.IsNullOrEmpty(options.Username))
            {
                failures.Add($"{Section}:PasswordFile is set but {Section}:Username is empty: set the user name the password belongs to.");
            }
        }
    }

    private static void ValidateTls(MqttOptions options, List<string> failures)
    {
        var tls = options.Tls;
        if (tls is null || !tls.Enabled)
        {
            return;
        }

        if (options.Broker == MqttBrokerMode.Embedded)
        {
            failures.Add($"{Section}:Tls:Enabled applies to an external broker: the embedded one listens on 127.0.0.1 without TLS; set {Section}:Broker to 'External' or disable TLS.");
        }

        RequireFile(tls.CaFile, "Tls:CaFile", failures);
        RequireFile(tls.ClientCertificateFile, "Tls:ClientCertificateFile", failures);
        RequireFile(tls.ClientKeyFile, "Tls:ClientKeyFile", failures);
        RequireFile(tls.Pfx, "Tls:Pfx", failures);
        RequireFile(tls.PfxPasswordFile, "Tls:PfxPasswordFile", failures);

        var hasCertificate = !string.IsNullOrEmpty(tls.ClientCertificateFile);
        var hasKey = !string.IsNullOrEmpty(tls.ClientKeyFile);
        if (hasCertificate != hasKey)
        {
            failures.Add($"{Section}:Tls:ClientCertificateFile and {Section}:Tls:ClientKeyFile go together: set both PEM files, or neither.");
        }

        if (hasCertificate && !string.IsNullOrEmpty(tls.Pfx))
        {
            failures.Add($"{Section}:Tls:Pfx and {Section}:Tls:ClientCertificateFile are both set: choose the PKCS#12 file or the PEM pair.");
        }
    }

    private static void RequireFile(string? path, string key, List<string> failures)
    {
        if (!string.IsNullOrEmpty(path) && !File.Exists(path))
        {
            failures.Add($"{Section}:{key} '{path}' does not exist: fix the path or remove the key.");
        }
    }
}
