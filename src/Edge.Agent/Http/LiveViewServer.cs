using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using SegMan.Edge.Agent.Hosting;
using SegMan.Edge.Agent.Metrics;

namespace SegMan.Edge.Agent.Http;

/// <summary>
/// The agent's web endpoint on Kestrel: the live view, <c>/api/cameras</c>, <c>/healthz</c>, <c>/readyz</c> and
/// <c>/metrics</c> (Prometheus text through OpenTelemetry). A small web application of its own inside the agent's host:
/// built only when <c>SegMan:Http:Enabled</c> is true (otherwise no port is opened and no metrics are aggregated),
/// with no configuration sources of its own, and logging through the agent's loggers.
/// </summary>
internal sealed partial class LiveViewServer(
    IOptions<HttpOptions> options,
    IHostEnvironment environment,
    ILoggerFactory loggerFactory,
    LiveFrames live,
    PipelineRegistry pipelines,
    ModelRuntime model,
    HealthCheckService health) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<LiveViewServer>();
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;

    /// <summary>The addresses Kestrel listens on (the real port when configured with port 0); empty while not running.</summary>
    public IReadOnlyList<Uri> Addresses { get; private set; } = [];

    /// <summary>Starts serving; a second call (the host's, after the agent started it before the model load) does nothing.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Enabled || _app is not null)
        {
            return;
        }

        var app = Build(settings);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException(
                $"{HttpOptions.SectionName}:Urls '{settings.Urls}' cannot be served ({ex.Message}): choose a free port, or set {HttpOptions.SectionName}:Enabled=false.",
                ex);
        }

        _app = app;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        Addresses = [.. addresses.Select(a => new Uri(a))];
        LogListening(string.Join(", ", addresses));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is null)
        {
            return;
        }

        // Ends the live streams first: Kestrel would otherwise wait for them until the shutdown timeout.
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private WebApplication Build(HttpOptions settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = environment.ApplicationName,
            EnvironmentName = environment.EnvironmentName,
            ContentRootPath = environment.ContentRootPath,
            Args = [],
        });

        // Only the agent's configuration counts: no appsettings.json or ASPNETCORE_* variables of the web host's own.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.WebHost.UseUrls(HttpOptionsValidator.SplitUrls(settings.Urls).ToArray());
        builder.Logging.ClearProviders();
        builder.Services.Replace(ServiceDescriptor.Singleton(loggerFactory));

        // The agent's host owns signals and shutdown; this one is started and stopped by it.
        builder.Services.Replace(ServiceDescriptor.Singleton<IHostLifetime, ParentHostLifetime>());

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(environment.ApplicationName, serviceVersion: AgentServiceCollectionExtensions.Version))
            .WithMetrics(metrics => metrics
                .AddMeter(EdgeMetrics.MeterName, "System.Runtime")
                .AddPrometheusExporter());

        var app = builder.Build();
        app.MapPage();
        app.MapHealth(health);
        app.MapCameras(live, pipelines, model, _stopping.Token);
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Live view, health and metrics at {Addresses}")]
    private partial void LogListening(string addresses);
}
