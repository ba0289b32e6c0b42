using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace SegMan.Edge.Agent.Hosting;

/// <summary>
/// A hosted service resolved when the host starts it, not when the host collects its hosted services before starting
/// the first: the publisher and the cameras take the loaded model in their constructors, and the web endpoint, started
/// before the model loads, must answer <c>/healthz</c> and <c>/readyz</c> while it does (a TensorRT engine build takes
/// minutes).
/// </summary>
internal sealed class ResolvedOnStart<TService>(IServiceProvider services) : IResolvedOnStart
    where TService : class, IHostedService
{
    private TService? _service;

    public IHostedService? Service => _service;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _service = services.GetRequiredService<TService>();
        return _service.StartAsync(cancellationToken);
    }

    /// <summary>Stops the service if it was started; one the host never reached has nothing to stop.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _service?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}
