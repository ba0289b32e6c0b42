using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using SegMan.Edge.Pipeline.Capture;

namespace SegMan.Edge.Agent.Configuration;

/// <summary>
/// The camera list of the configuration file as it is edited: on each reload the <c>SegMan</c> section is bound, its
/// paths resolved and validated as at start-up, once for every subscriber; a list that fails (or a file that cannot be
/// read) is logged with its reasons and the cameras keep running as they are. The other sections are read at start-up
/// only.
/// </summary>
internal sealed partial class ReloadedCameraList(
    IConfiguration configuration,
    IOptionsFactory<AgentOptions> factory,
    ConfigurationReloadErrors reloadErrors,
    ILogger<ReloadedCameraList> logger) : ICameraListSource, IDisposable
{
    private readonly Lock _gate = new();
    private readonly CameraListSubscribers _subscribers = new();
    private IDisposable? _watch;
    private string? _lastProblem;

    public IDisposable Subscribe(Action<IReadOnlyList<CameraOptions>> onChange)
    {
        var subscription = _subscribers.Add(onChange);
        lock (_gate)
        {
            _watch ??= ChangeToken.OnChange(configuration.GetReloadToken, Reload);
        }

        return subscription;
    }

    public void Dispose() => _watch?.Dispose();

    private void Reload()
    {
        if (reloadErrors.Take() is { } unreadable)
        {
            if (IsNew(unreadable))
            {
                LogUnreadable(unreadable);
            }

            return;
        }

        AgentOptions options;
        try
        {
            options = factory.Create(Options.DefaultName);
        }
        catch (OptionsValidationException ex)
        {
            var failures = string.Join(" ", ex.Failures);
            if (IsNew(failures))
            {
                LogRejected(failures);
            }

            return;
        }

        _lastProblem = null;

        _subscribers.Notify(options.Cameras);
    }

    // One save often raises two reloads (the file watcher sees a write and a rename): a problem is logged once.
    private bool IsNew(string problem)
    {
        var isNew = problem != _lastProblem;
        _lastProblem = problem;
        return isNew;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The configuration file changed but cannot be read ({Reason}); the cameras keep running as they are")]
    private partial void LogUnreadable(string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The configuration file changed, but its cameras are not valid; they keep running as they are. {Failures}")]
    private partial void LogRejected(string failures);
}
