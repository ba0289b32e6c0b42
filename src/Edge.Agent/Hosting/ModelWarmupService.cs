using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SegMan.Edge.Agent.Hosting;

/// <summary>
/// Loads the model while the host starts, so a missing, corrupt or mismatched model stops start-up with its own clear
/// message instead of failing later inside a camera.
/// </summary>
internal sealed partial class ModelWarmupService(ModelRuntime model, ILogger<ModelWarmupService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var segmenter = await model.LoadAsync(cancellationToken).ConfigureAwait(false);
        LogModelReady(segmenter.Manifest.Name, segmenter.Manifest.Variant, segmenter.Manifest.Precision, segmenter.ExecutionProvider);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Name} ({Variant}, {Precision}) runs on {ExecutionProvider}")]
    private partial void LogModelReady(string name, string variant, string precision, string executionProvider);
}
