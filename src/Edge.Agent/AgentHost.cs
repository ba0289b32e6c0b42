using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Agent.Hosting;
using SegMan.Edge.Agent.Http;

namespace SegMan.Edge.Agent;

/// <summary>Builds and runs the Generic Host: configuration, logging, systemd integration and the agent's services.</summary>
internal static class AgentHost
{
    public static IHost Build(AgentPaths paths, string[] overrides) => Build(paths, overrides, configureServices: null);

    /// <summary>The agent's host, with <paramref name="configureServices"/> applied after its own registrations (tests).</summary>
    internal static IHost Build(AgentPaths paths, string[] overrides, Action<IServiceCollection>? configureServices)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = paths.ContentRoot,
            ApplicationName = "segman-edge",
        });

        // Later sources win: the file, then environment (SegMan__Mqtt__Host=…), then the command line (--SegMan:Mqtt:Host=…).
        // The file is watched: its camera list applies while the agent runs (ReloadedCameraList).
        var reloadErrors = new ConfigurationReloadErrors();
        builder.Configuration
            .AddJsonFile(source =>
            {
                source.Path = paths.ConfigFile;
                source.Optional = false;
                source.ReloadOnChange = true;
                source.OnLoadException = reloadErrors.OnLoadException;
                source.ResolveFileProvider();
            })
            .AddEnvironmentVariables()
            .AddCommandLine(overrides);

        builder.Logging
            .AddConfiguration(builder.Configuration.GetSection("Logging"))
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            });

        builder.Services.AddSystemd();
        builder.Services.AddSingleton(paths);
        builder.Services.AddSingleton(reloadErrors);
        builder.Services.AddSegManAgent(builder.Configuration);
        configureServices?.Invoke(builder.Services);
        var host = builder.Build();
        reloadErrors.AgentRunning();
        return host;
    }

    /// <summary>
    /// Validates every options section (all failures at once), starts the web endpoint, loads the model, then starts
    /// the services.
    /// </summary>
    public static async Task StartAsync(IHost host, CancellationToken cancellationToken = default)
    {
        ConfigurationErrors.ThrowIfAnyInvalid(host.Services);

        // The web endpoint first, so that /healthz answers and /readyz says "loading" during a long load (a TensorRT
        // engine build takes minutes on its first start) instead of refusing connections.
        var web = host.Services.GetRequiredService<LiveViewServer>();
        await web.StartAsync(cancellationToken).ConfigureAwait(false);

        // Loaded before the host starts: a model that cannot run fails here with its own message, instead of also
        // being logged with a stack trace as "Hosting failed to start".
        try
        {
            await host.Services.GetRequiredService<ModelRuntime>().LoadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await web.StopAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        await host.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts the host (validating options and loading the model first) and waits until it stops.</summary>
    public static async Task<int> RunAsync(IHost host)
    {
        await StartAsync(host).ConfigureAwait(false);
        await host.WaitForShutdownAsync().ConfigureAwait(false);

        // A worker that crashed stops the host; exit non-zero so systemd's Restart=on-failure brings the agent back.
        var crashed = host.Services.GetServices<IHostedService>()
            .Select(service => service is IResolvedOnStart deferred ? deferred.Service : service)
            .OfType<BackgroundService>()
            .Any(s => s.ExecuteTask?.IsFaulted == true);
        return crashed ? 1 : 0;
    }
}
