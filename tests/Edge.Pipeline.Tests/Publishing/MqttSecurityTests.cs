using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using SegMan.Edge.Pipeline.Publishing.Mqtt;
using SegMan.Edge.Pipeline.Tests.Publishing.Support;
using static SegMan.Edge.Pipeline.Tests.Publishing.Support.MqttIntegrationCollection;

namespace SegMan.Edge.Pipeline.Tests.Publishing;

/// <summary>
/// TLS with a CA made by the test, a client certificate required by mosquitto, and password authentication;
/// every failure must name its cause, and no secret may reach a log line.
/// </summary>
[Collection(MqttIntegrationCollection.Name)]
public sealed class MqttSecurityTests : IAsyncLifetime
{
    private const string Root = "segman/robot-1";
    private const string User = "robot-1";
    private const string Password = "s3cret-Pa55-do-not-log";
    private const string WrongPassword = "wrong-Pa55-also-secret";
    private readonly TestDirectory _directory = new();
    private readonly TestLogs _logs = new();
    private TestCertificates _certificates = null!;
    private MosquittoBroker _mosquitto = null!;

    public async Task InitializeAsync()
    {
        _certificates = TestCertificates.Create(_directory.Path);
        var passwords = _directory.File("passwd");
        await MosquittoBroker.CreatePasswordFileAsync(passwords, User, Password);
        _mosquitto = await MosquittoBroker.StartAsync(_directory.Path, $"""
            allow_anonymous false
            password_file {passwords}
            cafile {_certificates.CaFile}
            certfile {_certificates.ServerCertificateFile}
            keyfile {_certificates.ServerKeyFile}
            require_certificate true
            """);
    }

    public async Task DisposeAsync()
    {
        await _mosquitto.DisposeAsync();
        _directory.Dispose();
        Assert.DoesNotContain(Password, _logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongPassword, _logs.All, StringComparison.Ordinal);
    }

    private MqttOptions SecureOptions(string password)
    {
        var passwordFile = _directory.File($"password-{Guid.NewGuid():N}");
        File.WriteAllText(passwordFile, password + "\n");
        var options = TestFrames.Options(_mosquitto.Port, _directory.File($"spool-{Guid.NewGuid():N}"));
        options.Username = User;
        options.PasswordFile = passwordFile;
        options.Tls = new MqttTlsOptions
        {
            Enabled = true,
            CaFile = _certificates.CaFile,
            ClientCertificateFile = _certificates.ClientCertificateFile,
            ClientKeyFile = _certificates.ClientKeyFile,
        };
        Assert.True(new MqttOptionsValidator().Validate(null, options).Succeeded);
        return options;
    }

    private void ConfigureSubscriber(MqttClientOptionsBuilder builder)
    {
        var trust = new X509Certificate2Collection();
        trust.ImportFromPemFile(_certificates.CaFile);
        using var pem = X509Certificate2.CreateFromPemFile(_certificates.ClientCertificateFile, _certificates.ClientKeyFile);
        var client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        builder.WithCredentials(User, Password).WithTlsOptions(o => o
            .UseTls()
            .WithTargetHost("127.0.0.1")
            .WithTrustChain(trust)
            .WithRevocationMode(X509RevocationMode.NoCheck)
            .WithClientCertificates([client]));
    }

    private async Task<MqttResultPublisher> StartAsync(MqttOptions options)
    {
        var publisher = new MqttResultPublisher(options, TestFrames.Device("front"), _logs);
        await publisher.StartAsync(Within(Wait));
        return publisher;
    }

    [Fact(Timeout = 60_000)]
    public async Task Tls_with_client_certificate_and_password_file_delivers_results()
    {
        await using var subscriber = await TestSubscriber.ConnectAsync(_mosquitto.Port, Root + "/#", configure: ConfigureSubscriber);
        await using var publisher = await StartAsync(SecureOptions(Password));
        await publisher.Connection.WaitUntilConnectedAsync(Within(Wait));
        using var frame = TestFrames.Frame("front", 5);

        await publisher.PublishAsync(frame, CancellationToken.None);

        var stats = await subscriber.WaitForAsync(m => m.Topic == Root + "/front/stats", Wait, "stats over TLS");
        Assert.Equal(5, stats.Json.GetProperty("sequence").GetInt64());
        Assert.Contains(_logs.Lines, l => l.Contains("password from SegMan:Mqtt:PasswordFile", StringComparison.Ordinal));
        Assert.DoesNotContain(Password, _logs.All, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Client_certificate_from_a_password_protected_pfx_works_too()
    {
        const string pfxPassword = "pfx-Pa55";
        using var pem = X509Certificate2.CreateFromPemFile(_certificates.ClientCertificateFile, _certificates.ClientKeyFile);
        var pfx = _directory.File("client.pfx");
        var pfxPasswordFile = _directory.File("client.pfx.password");
        File.WriteAllBytes(pfx, pem.Export(X509ContentType.Pkcs12, pfxPassword));
        File.WriteAllText(pfxPasswordFile, pfxPassword + "\n");
        var options = SecureOptions(Password);
        options.Tls.ClientCertificateFile = null;
        options.Tls.ClientKeyFile = null;
        options.Tls.Pfx = pfx;
        options.Tls.PfxPasswordFile = pfxPasswordFile;
        Assert.True(new MqttOptionsValidator().Validate(null, options).Succeeded);

        await using var publisher = await StartAsync(options);

        await publisher.Connection.WaitUntilConnectedAsync(Within(Wait));
        Assert.DoesNotContain(pfxPassword, _logs.All, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Password_from_the_environment_is_used_when_no_file_is_set()
    {
        var options = SecureOptions(Password);
        options.PasswordFile = null;
        Environment.SetEnvironmentVariable(MqttOptions.PasswordEnvironmentVariable, Password);
        try
        {
            await using var publisher = await StartAsync(options);
            await publisher.Connection.WaitUntilConnectedAsync(Within(Wait));
            Assert.Contains(_logs.Lines, l => l.Contains("password from SEGMAN_MQTT_PASSWORD", StringComparison.Ordinal));
            Assert.DoesNotContain(Password, _logs.All, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(MqttOptions.PasswordEnvironmentVariable, null);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Wrong_password_is_reported_as_such_without_the_password()
    {
        await using var publisher = await StartAsync(SecureOptions(WrongPassword));

        await WaitUntilAsync(() => publisher.Connection.LastError is not null, "the connect failure");

        var error = publisher.Connection.LastError!;
        Assert.Contains("user name or password", error, StringComparison.Ordinal); // mosquitto answers NotAuthorized
        Assert.Contains("SegMan:Mqtt:Username", error, StringComparison.Ordinal);
        Assert.Contains("SegMan:Mqtt:PasswordFile", error, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongPassword, error, StringComparison.Ordinal);
        Assert.False(publisher.Connection.IsConnected);
        await WaitUntilAsync(
            () => _logs.Lines.Any(l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("user name or password", StringComparison.Ordinal)),
            "the warning naming the cause");
        Assert.DoesNotContain(WrongPassword, _logs.All, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Broker_certificate_from_an_unknown_ca_is_a_tls_error_naming_the_ca_setting()
    {
        var options = SecureOptions(Password);
        options.Tls.CaFile = null; // the system store does not know the test CA

        await using var publisher = await StartAsync(options);
        await WaitUntilAsync(() => publisher.Connection.LastError is not null, "the connect failure");

        var error = publisher.Connection.LastError!;
        Assert.Contains("TLS handshake", error, StringComparison.Ordinal);
        Assert.Contains("SegMan:Mqtt:Tls:CaFile", error, StringComparison.Ordinal);
        Assert.False(publisher.Connection.IsConnected);
    }

    [Fact(Timeout = 60_000)]
    public async Task Missing_client_certificate_is_refused_and_points_at_the_tls_settings()
    {
        var options = SecureOptions(Password);
        options.Tls.ClientCertificateFile = null;
        options.Tls.ClientKeyFile = null;

        await using var publisher = await StartAsync(options);
        await WaitUntilAsync(() => publisher.Connection.LastError is not null, "the connect failure");

        var error = publisher.Connection.LastError!;
        Assert.True(error.Contains("TLS session with the broker", StringComparison.Ordinal), error);
        Assert.Contains("SegMan:Mqtt:Tls:ClientCertificateFile", error, StringComparison.Ordinal);
        Assert.False(publisher.Connection.IsConnected);
    }
}
