using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>Turns <see cref="MqttTlsOptions"/> into MQTTnet's TLS options, loading CA and client certificates.</summary>
internal static class MqttTlsSetup
{
    public static MqttClientTlsOptions Create(MqttTlsOptions tls, string targetHost)
    {
        var options = new MqttClientTlsOptions
        {
            UseTls = true,
            TargetHost = targetHost,
            // Fleet brokers use private CAs, which rarely publish revocation lists.
            RevocationMode = X509RevocationMode.NoCheck,
        };

        if (!string.IsNullOrEmpty(tls.CaFile))
        {
            var trust = new X509Certificate2Collection();
            trust.ImportFromPemFile(tls.CaFile);
            options.TrustChain = trust;
        }

        if (LoadClientCertificate(tls) is { } clientCertificate)
        {
            options.ClientCertificatesProvider = new StaticCertificates(clientCertificate);
        }

        if (tls.AllowUntrusted)
        {
            options.CertificateValidationHandler = static _ => true;
        }

        return options;
    }

    private static X509Certificate2? LoadClientCertificate(MqttTlsOptions tls)
    {
        if (!string.IsNullOrEmpty(tls.ClientCertificateFile) && !string.IsNullOrEmpty(tls.ClientKeyFile))
        {
            using var ephemeral = X509Certificate2.CreateFromPemFile(tls.ClientCertificateFile, tls.ClientKeyFile);
            // SslStream needs a key it can hand to the TLS library; a PKCS#12 round trip gives it one on every platform.
            return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), password: null);
        }

        if (!string.IsNullOrEmpty(tls.Pfx))
        {
            var password = string.IsNullOrEmpty(tls.PfxPasswordFile) ? null : MqttSecrets.ReadFirstLine(tls.PfxPasswordFile);
            return X509CertificateLoader.LoadPkcs12FromFile(tls.Pfx, password);
        }

        return null;
    }

    private sealed class StaticCertificates(X509Certificate2 certificate) : IMqttClientCertificatesProvider
    {
        public X509CertificateCollection GetCertificates() => [certificate];
    }
}
