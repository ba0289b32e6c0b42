using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using SegMan.Edge.Pipeline.Capture;

namespace SegMan.Edge.Agent.Configuration;

/// <summary>
/// The camera list of the configuration file as it is edited: on each reload the <c>SegMan</c> section is bound,
/// its paths resolved and validated as at start-up; a list that fails (or a file that cannot be read) is logged with
/// its reasons and the cameras keep running as they are. The other sections are read at start-up only.
/// </summary>
internal sealed partial class ReloadedCameraList(
    IConfiguration configuration,
    IOptionsFactory<AgentOptions> factory,
    ConfigurationReloadErrors reloadErrors,
    ILogger<ReloadedCameraList> logger) : ICameraListSource
{
    public IDisposable Subscribe(Action<IReadOnlyList<CameraOptions>> onChange) =>
        ChangeToken.OnChange(configuration.GetReloadToken, () => Reload(onChange));

    private void Reload(Action<IReadOnlyList<CameraOptions>> onChange)
    {
        if (reloadErrors.Take() is { } unreadable)
        {
            LogUnreadable(unreadable);
            return;
        }

        AgentOptions options;
        try
        {
            options = factory.Create(Options.DefaultName);
        }
        catch (OptionsValidationException ex)
        {
            LogRejected(string.Join(" ", ex.Failures));
            return;
        }

        onChange(options.Cameras);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The configuration file changed but cannot be read ({Reason}); the cameras keep running as they are")]
    private partial void LogUnreadable(string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The configuration file changed, but its cameras are not valid; they keep running as they are. {Failures}")]
    private partial void LogRejected(string failures);
}
