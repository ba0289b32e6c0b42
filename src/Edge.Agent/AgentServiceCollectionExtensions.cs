using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Agent.Hosting;
using SegMan.Edge.Agent.Http;
using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Publishing.Mqtt;

namespace SegMan.Edge.Agent;

/// <summary>Registers the agent: validated options, the shared model, the MQTT side, one pipeline per camera and the web endpoint.</summary>
internal static class AgentServiceCollectionExtensions
{
    public static IServiceCollection AddSegManAgent(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ContentRootPathsSetup>();
        AddValidated<AgentOptions, AgentOptionsValidator>(services, configuration, AgentOptions.SectionName);
        AddValidated<InferenceOptions, InferenceOptionsValidator>(services, configuration, InferenceOptions.SectionName);
        AddValidated<MaskOptions, MaskOptionsValidator>(services, configuration, MaskOptions.SectionName);
        AddValidated<MqttOptions, MqttOptionsValidator>(services, configuration, MqttOptions.SectionName);

        services.TryAddSingleton<ConfigurationReloadErrors>();
        services.AddSingleton<ICameraListSource, ReloadedCameraList>();
        services.AddSingleton<ModelRuntime>();
        services.AddSingleton<PipelineRegistry>();
        services.AddSingleton<ICameraPipelineFactory, CameraPipelineFactory>();
        services.AddSingleton(provider => new MqttResultPublisher(
            provider.GetRequiredService<IOptions<MqttOptions>>().Value,
            DescribeDevice(provider),
            provider.GetRequiredService<ILoggerFactory>()));

        // The pipelines' IResultPublisher (metrics and live view in front of MQTT), readiness, and the web endpoint.
        services.AddSegManHttp(configuration);

        // Start order matters: the web endpoint first (it answers /healthz, and /readyz "loading", while the model
        // loads), then the model (a bad model stops start-up with its own message), then the broker, then the
        // publisher, then the cameras; the last two are resolved only when reached, as they need the loaded model.
        // The host stops them in reverse.
        services.AddHostedService(provider => provider.GetRequiredService<LiveViewServer>());
        services.AddHostedService<ModelWarmupService>();
        services.AddHostedService<EmbeddedBrokerService>();
        services.AddSingleton<PublisherService>();
        services.AddHostedService<ResolvedOnStart<PublisherService>>();
        services.AddSingleton<CameraSupervisor>();
        services.AddHostedService<ResolvedOnStart<CameraSupervisor>>();
        return services;
    }

    public static string Version { get; } =
        typeof(AgentServiceCollectionExtensions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    private static DeviceDescription DescribeDevice(IServiceProvider provider)
    {
        var segmenter = provider.GetRequiredService<ModelRuntime>().Segmenter;
        var cameras = provider.GetRequiredService<IOptions<AgentOptions>>().Value.Cameras.Select(c => c.Id).ToList();
        return DeviceDescription.FromManifest(segmenter.Manifest, Version, segmenter.ExecutionProvider, cameras);
    }

    private static void AddValidated<TOptions, TValidator>(IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        if (typeof(IPostConfigureOptions<TOptions>).IsAssignableFrom(typeof(ContentRootPathsSetup)))
        {
            services.AddSingleton(provider => (IPostConfigureOptions<TOptions>)(object)provider.GetRequiredService<ContentRootPathsSetup>());
        }
    }
}
