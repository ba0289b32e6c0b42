using Microsoft.Extensions.Options;
using SegMan.Edge.Pipeline.Capture;
using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Publishing.Mqtt;

namespace SegMan.Edge.Agent.Configuration;

/// <summary>
/// Makes every configured file and folder path absolute against the content root before validation, so the agent
/// behaves the same whatever directory it is started from.
/// </summary>
internal sealed class ContentRootPathsSetup(AgentPaths paths) :
    IPostConfigureOptions<AgentOptions>,
    IPostConfigureOptions<InferenceOptions>,
    IPostConfigureOptions<MaskOptions>,
    IPostConfigureOptions<MqttOptions>
{
    public void PostConfigure(string? name, AgentOptions options)
    {
        foreach (var camera in options.Cameras)
        {
            if (IsFileSource(camera) && paths.Resolve(camera.Source) is { } resolved && File.Exists(resolved))
            {
                camera.Source = resolved;
            }
        }
    }

    public void PostConfigure(string? name, InferenceOptions options)
    {
        options.Path = paths.Resolve(options.Path) ?? options.Path;
        options.CustomOpLibrary = paths.Resolve(options.CustomOpLibrary);
        options.TensorRt.EngineCacheDir = paths.Resolve(options.TensorRt.EngineCacheDir);
        options.TensorRt.TimingCacheDir = paths.Resolve(options.TensorRt.TimingCacheDir);
        options.TensorRt.PluginLibrary = paths.Resolve(options.TensorRt.PluginLibrary);
    }

    public void PostConfigure(string? name, MaskOptions options) =>
        options.Overlay.Path = paths.Resolve(options.Overlay.Path) ?? options.Overlay.Path;

    public void PostConfigure(string? name, MqttOptions options)
    {
        options.Spool.Path = paths.Resolve(options.Spool.Path) ?? options.Spool.Path;
        options.PasswordFile = paths.Resolve(options.PasswordFile);
        options.Tls.CaFile = paths.Resolve(options.Tls.CaFile);
        options.Tls.ClientCertificateFile = paths.Resolve(options.Tls.ClientCertificateFile);
        options.Tls.ClientKeyFile = paths.Resolve(options.Tls.ClientKeyFile);
        options.Tls.Pfx = paths.Resolve(options.Tls.Pfx);
        options.Tls.PfxPasswordFile = paths.Resolve(options.Tls.PfxPasswordFile);
    }

    // Unknown kinds are left alone here: the validator reports them with the key and the fix.
    private static bool IsFileSource(CameraOptions camera) =>
        !string.IsNullOrWhiteSpace(camera.Source)
        && CameraKinds.TryParse(camera.Kind, out var kind)
        && (kind == CameraKind.File || (kind == CameraKind.Auto && CameraKinds.Infer(camera.Source) == CameraKind.File));
}
