using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SegMan.Edge.Agent.Hosting;
using SegMan.Edge.Agent.Http.Health;
using SegMan.Edge.Agent.Metrics;
using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Publishing.Mqtt;

namespace SegMan.Edge.Agent.Http;

/// <summary>Registers the live slots, metrics, readiness checks and the web endpoint.</summary>
internal static class HttpServiceCollectionExtensions
{
    public static IServiceCollection AddSegManHttp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HttpOptions>().Bind(configuration.GetSection(HttpOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HttpOptions>, HttpOptionsValidator>();

        services.AddMetrics();
        services.AddSingleton<LiveFrames>();
        services.AddSingleton<EdgeMetrics>();

        // The pipelines publish through the observers first (metrics, live view), then MQTT.
        services.AddSingleton<IResultPublisher>(provider => new ObservedResultPublisher(
            provider.GetRequiredService<MqttResultPublisher>(),
            [provider.GetRequiredService<EdgeMetrics>(), provider.GetRequiredService<LiveFrames>()]));

        // The cameras' and MQTT's checks are made on each run, and only once the model is loaded: their services need it.
        services.AddHealthChecks()
            .AddCheck<ModelHealthCheck>("model", tags: [HealthEndpoints.ReadyTag])
            .Add(AfterModelLoad("cameras", "cameras", ActivatorUtilities.CreateInstance<CamerasHealthCheck>))
            .Add(AfterModelLoad("mqtt", "the MQTT session and its publisher", ActivatorUtilities.CreateInstance<MqttHealthCheck>));

        // Started as a hosted service by AddSegManAgent, first of all.
        services.AddSingleton<LiveViewServer>();
        return services;
    }

    private static HealthCheckRegistration AfterModelLoad(string name, string what, Func<IServiceProvider, object[], IHealthCheck> create) =>
        new(
            name,
            provider => provider.GetRequiredService<ModelRuntime>().IsLoaded ? create(provider, []) : new WaitingForModelHealthCheck(what),
            failureStatus: null,
            tags: [HealthEndpoints.ReadyTag]);
}
