using Microsoft.Extensions.Hosting;

namespace SegMan.Edge.Agent.Http;

/// <summary>
/// The lifetime of a host that runs inside another: it waits for nothing and listens to no signals, because the
/// outer host (systemd or the console) starts and stops it.
/// </summary>
internal sealed class ParentHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
