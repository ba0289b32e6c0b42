using SegMan.Edge.Pipeline.Publishing.Mqtt;

namespace SegMan.Edge.Pipeline.Tests.Publishing;

public class MqttOptionsValidatorTests
{
    private static readonly MqttOptionsValidator Validator = new();

    [Fact]
    public void Defaults_with_a_device_id_are_valid()
    {
        var result = Validator.Validate(null, new MqttOptions { DeviceId = "robot-1" });
        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Missing_device_id_names_the_key_and_the_fix()
    {
        var result = Validator.Validate(null, new MqttOptions());
        Assert.True(result.Failed);
        Assert.Contains("SegMan:Mqtt:DeviceId is required", result.FailureMessage, StringComparison.Ordinal);
    }

    public static TheoryData<Action<MqttOptions>, string> BadOptions => new()
    {
        { o => o.Port = 0, "SegMan:Mqtt:Port" },
        { o => o.Port = 70000, "SegMan:Mqtt:Port" },
        { o => { o.Broker = MqttBrokerMode.External; o.Host = " "; }, "SegMan:Mqtt:Host" },
        { o => o.TopicPrefix = "seg/#", "SegMan:Mqtt:TopicPrefix" },
        { o => o.ClientId = "a+b", "SegMan:Mqtt:ClientId" },
        { o => o.StatsEveryNFrames = 0, "SegMan:Mqtt:StatsEveryNFrames" },
        { o => o.StatsExpirySeconds = -1, "SegMan:Mqtt:StatsExpirySeconds" },
        { o => o.SummaryIntervalSeconds = 0, "SegMan:Mqtt:SummaryIntervalSeconds" },
        { o => o.KeepAliveSeconds = 0, "SegMan:Mqtt:KeepAliveSeconds" },
        { o => o.TimeoutSeconds = 0, "SegMan:Mqtt:TimeoutSeconds" },
        { o => o.OutboundQueueCapacity = 0, "SegMan:Mqtt:OutboundQueueCapacity" },
        { o => o.ReconnectBackoff.InitialMs = 1, "SegMan:Mqtt:ReconnectBackoff:InitialMs" },
        { o => o.ReconnectBackoff.MaxMs = 100, "SegMan:Mqtt:ReconnectBackoff:MaxMs" },
        { o => o.Spool.Path = "", "SegMan:Mqtt:Spool:Path" },
        { o => o.Spool.MaxBytes = 10, "SegMan:Mqtt:Spool:MaxBytes" },
        { o => { o.Username = "u"; o.PasswordFile = "/nonexistent/password"; }, "SegMan:Mqtt:PasswordFile" },
        { o => o.Tls.Enabled = true, "SegMan:Mqtt:Tls:Enabled applies to an external broker" },
        { o => { o.Broker = MqttBrokerMode.External; o.Tls.Enabled = true; o.Tls.CaFile = "/nonexistent/ca.pem"; }, "SegMan:Mqtt:Tls:CaFile" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Each_problem_is_reported_with_its_key(Action<MqttOptions> spoil, string key)
    {
        var options = new MqttOptions { DeviceId = "robot-1" };
        spoil(options);

        var result = Validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_certificate_needs_its_key()
    {
        using var directory = new Support.TestDirectory();
        var certificate = directory.File("client.pem");
        File.WriteAllText(certificate, "x");
        var options = new MqttOptions
        {
            DeviceId = "robot-1",
            Broker = MqttBrokerMode.External,
            Tls = new MqttTlsOptions { Enabled = true, ClientCertificateFile = certificate },
        };

        var result = Validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("ClientCertificateFile and SegMan:Mqtt:Tls:ClientKeyFile go together", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Effective_client_id_and_host_follow_the_broker_mode()
    {
        var options = new MqttOptions { DeviceId = "robot/7", Host = "broker.example" };
        Assert.Equal("segman-robot_7", options.EffectiveClientId);
        Assert.Equal("127.0.0.1", options.EffectiveHost);

        options.Broker = MqttBrokerMode.External;
        options.ClientId = "custom";
        Assert.Equal("custom", options.EffectiveClientId);
        Assert.Equal("broker.example", options.EffectiveHost);
    }
}
