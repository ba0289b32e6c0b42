using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Agent.Hosting;

namespace SegMan.Edge.Agent;

/// <summary>Builds and runs the Generic Host: configuration, logging, systemd integration and the agent's services.</summary>
internal static class AgentHost
{
    public static IHost Build(AgentPaths paths, string[] overrides)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = paths.ContentRoot,
            ApplicationName = "segman-edge",
        });

        // Later sources win: the file, then environment (SegMan__Mqtt__Host=…), then the command line (--SegMan:Mqtt:Host=…).
        builder.Configuration
            .AddJsonFile(paths.ConfigFile, optional: false, reloadOnChange: false)
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
        builder.Services.AddSegManAgent(builder.Configuration);
        return builder.Build();
    }

    /// <summary>Validates every options section (all failures at once), loads the model, then starts the services.</summary>
    public static Task StartAsync(IHost host, CancellationToken cancellationToken = default)
    {
        ConfigurationErrors.ThrowIfAnyInvalid(host.Services);

        // Loaded before the host starts: a model that cannot run fails here with its own message, instead of also
        // being logged with a stack trace as "Hosting failed to start".
        _ = host.Services.GetRequiredService<ModelRuntime>().Segmenter;
        return host.StartAsync(cancellationToken);
    }

    /// <summary>Starts the host (validating options and loading the model first) and waits until it stops.</summary>
    public static async Task<int> RunAsync(IHost host)
    {
        await StartAsync(host).ConfigureAwait(false);
        await host.WaitForShutdownAsync().ConfigureAwait(false);

        // A worker that crashed stops the host; exit non-zero so systemd's Restart=on-failure brings the agent back.
        var crashed = host.Services.GetServices<IHostedService>().OfType<BackgroundService>().Any(s => s.ExecuteTask?.IsFaulted == true);
        return crashed ? 1 : 0;
    }
}
