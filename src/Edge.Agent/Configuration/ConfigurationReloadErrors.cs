using Microsoft.Extensions.Configuration;

namespace SegMan.Edge.Agent.Configuration;

/// <summary>
/// Catches what the configuration file's provider cannot read once the agent runs (a half-saved edit, broken JSON),
/// which would otherwise be thrown on the file watcher's thread and end the process; <see cref="ReloadedCameraList"/>
/// reports it. At start-up the same errors still stop the agent.
/// </summary>
internal sealed class ConfigurationReloadErrors
{
    private volatile bool _running;
    private string? _last;

    /// <summary>From now on, errors of a reload are kept instead of thrown.</summary>
    public void AgentRunning() => _running = true;

    public void OnLoadException(FileLoadExceptionContext context)
    {
        if (_running)
        {
            Interlocked.Exchange(ref _last, context.Exception.GetBaseException().Message);
            context.Ignore = true;
        }
    }

    /// <summary>The error of the last reload, if it had one (then cleared).</summary>
    public string? Take() => Interlocked.Exchange(ref _last, null);
}
