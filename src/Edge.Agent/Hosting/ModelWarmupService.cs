using Microsoft.Extensions.Hosting;

namespace SegMan.Edge.Agent.Hosting;

/// <summary>
/// Loads the model while the host starts, so a missing, corrupt or mismatched model stops start-up with its own clear
/// message instead of failing later inside a camera.
/// </summary>
internal sealed class ModelWarmupService(ModelRuntime model) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = model.Segmenter;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
