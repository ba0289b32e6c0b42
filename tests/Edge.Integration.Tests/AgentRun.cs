using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegMan.Edge.Agent;
using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Agent.Hosting;
using SegMan.Edge.Pipeline.Publishing.Mqtt;

namespace SegMan.Edge.Integration.Tests;

/// <summary>The real agent host on the repository's embedded-default configuration, with per-test overrides.</summary>
internal sealed class AgentRun : IAsyncDisposable
{
    private AgentRun(IHost host) => Host = host;

    public IHost Host { get; }

    public PipelineRegistry Pipelines => Host.Services.GetRequiredService<PipelineRegistry>();

    // The live view is off unless a test turns it on: several agents run side by side and would share its port.
    // Tests run the small standard-ops model unless they name another, so several agents fit on two cores.
    public static IHost Build(params string[] overrides) =>
        AgentHost.Build(
            AgentPaths.Discover(null, RepositoryPaths.Root, RepositoryPaths.Root),
            ["--SegMan:Http:Enabled=false", "--SegMan:Model:Path=models/baseline-palette.onnx", .. overrides]);

    public static async Task<AgentRun> StartAsync(params string[] overrides)
    {
        var host = Build(overrides);
        await AgentHost.StartAsync(host).WaitAsync(TimeSpan.FromSeconds(60));

        // Subscribers in tests connect after the agent's birth, so they see it as the retained status.
        await host.Services.GetRequiredService<MqttResultPublisher>().Connection.WaitUntilConnectedAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        return new AgentRun(host);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Host.Dispose();
    }
}
