namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>TLS towards an external broker (config <c>SegMan:Mqtt:Tls</c>).</summary>
public sealed class MqttTlsOptions
{
    public bool Enabled { get; set; }

    /// <summary>PEM file with the CA certificate(s) the broker's certificate must chain to; empty = the system store.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate, paired with <see cref="ClientKeyFile"/>, for brokers that require one.</summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>PEM private key (PKCS#8, PKCS#1 or SEC1) of <see cref="ClientCertificateFile"/>.</summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>A PKCS#12 file holding the client certificate and key, as an alternative to the PEM pair.</summary>
    public string? Pfx { get; set; }

    /// <summary>File holding the password of <see cref="Pfx"/> (empty when the file has none).</summary>
    public string? PfxPasswordFile { get; set; }

    /// <summary>Accept any server certificate. For bench tests only: it removes the protection TLS gives.</summary>
    public bool AllowUntrusted { get; set; }
}
