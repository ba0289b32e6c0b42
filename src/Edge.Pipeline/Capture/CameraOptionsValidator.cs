using System.Globalization;
using Microsoft.Extensions.Options;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>
/// Validates <see cref="CameraOptions"/>. Messages name the configuration key and the fix. For named options the
/// name is taken as the camera's key under <c>SegMan:Cameras</c>; <see cref="ValidateAll"/> checks a whole list.
/// </summary>
public sealed class CameraOptionsValidator : IValidateOptions<CameraOptions>
{
    private const int MaxDimension = 16_384;

    public ValidateOptionsResult Validate(string? name, CameraOptions options)
    {
        string key = $"{CameraOptions.SectionPrefix}:{(string.IsNullOrEmpty(name) ? "<n>" : name)}";
        List<string> failures = Collect(options, key);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Validates every camera (keys <c>SegMan:Cameras:0</c>, <c>:1</c>, …) and that ids are unique.</summary>
    public static ValidateOptionsResult ValidateAll(IReadOnlyList<CameraOptions> cameras)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        var failures = new List<string>();
        var firstIndexById = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < cameras.Count; i++)
        {
            string key = string.Create(CultureInfo.InvariantCulture, $"{CameraOptions.SectionPrefix}:{i}");
            failures.AddRange(Collect(cameras[i], key));
            string id = cameras[i].Id.Trim();
            if (id.Length > 0 && !firstIndexById.TryAdd(id, i))
            {
                failures.Add($"{key}:Id '{id}' is already used by {CameraOptions.SectionPrefix}:{firstIndexById[id]}: give each camera its own id.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The failures of one camera whose section is <paramref name="key"/>; empty when valid.</summary>
    public static List<string> Collect(CameraOptions options, string key)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Id))
        {
            failures.Add($"{key}:Id is required: give the camera a short unique id, e.g. \"front\".");
        }

        CheckSource(options, key, failures);

        if (double.IsNaN(options.MaxFps) || options.MaxFps < 0 || double.IsInfinity(options.MaxFps))
        {
            failures.Add($"{key}:MaxFps must be 0 (keep the source rate) or a positive number of frames per second, not {options.MaxFps}.");
        }

        CheckDimension(options.Width, $"{key}:Width", failures);
        CheckDimension(options.Height, $"{key}:Height", failures);
        CheckPositive(options.OpenTimeoutMs, $"{key}:OpenTimeoutMs", CameraOptions.DefaultOpenTimeoutMs, failures);
        CheckPositive(options.ReadTimeoutMs, $"{key}:ReadTimeoutMs", CameraOptions.DefaultReadTimeoutMs, failures);

        if (!RtspTransports.IsKnown(options.Transport))
        {
            failures.Add($"{key}:Transport '{options.Transport}' is not known: use tcp (default) or udp.");
        }

        BackoffOptions backoff = options.Backoff ?? new BackoffOptions();
        CheckPositive(backoff.InitialMs, $"{key}:Backoff:InitialMs", 500, failures);
        if (backoff.MaxMs < backoff.InitialMs)
        {
            failures.Add($"{key}:Backoff:MaxMs ({backoff.MaxMs}) must be at least Backoff:InitialMs ({backoff.InitialMs}).");
        }

        return failures;
    }

    private static void CheckSource(CameraOptions options, string key, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(options.Source))
        {
            failures.Add(
                $"{key}:Source is required: a video file path, an rtsp:// or http(s):// URL, a V4L2 device (0 or /dev/video0) " +
                "or a GStreamer pipeline written as gst:<pipeline>.");
            return;
        }

        string source = options.Source.Trim();
        string shown = CredentialMask.Apply(source);
        if (!CameraKinds.TryParse(options.Kind, out CameraKind kind))
        {
            failures.Add($"{key}:Kind '{options.Kind}' is not known: use {CameraKinds.KnownNames}.");
            return;
        }

        CameraKind? inferred = CameraKinds.Infer(source);
        if (kind == CameraKind.Auto)
        {
            if (inferred is null)
            {
                CameraKinds.TryGetScheme(source, out string scheme);
                failures.Add(
                    $"{key}:Source '{shown}' uses the unsupported scheme '{scheme}': use an rtsp:// or http(s):// URL, " +
                    "or read it through a GStreamer pipeline (gst:<pipeline>).");
                return;
            }

            kind = inferred.Value;
        }

        switch (kind)
        {
            case CameraKind.Rtsp when inferred != CameraKind.Rtsp:
                failures.Add($"{key}:Source '{shown}' must be an rtsp:// URL when Kind is rtsp.");
                break;
            case CameraKind.Http when inferred != CameraKind.Http:
                failures.Add($"{key}:Source '{shown}' must be an http:// or https:// URL when Kind is http.");
                break;
            case CameraKind.V4l2 when inferred != CameraKind.V4l2:
                failures.Add($"{key}:Source '{shown}' must be a device index (0) or path (/dev/video0) when Kind is v4l2.");
                break;
            case CameraKind.Gstreamer when CameraKinds.GetPipeline(source).Length == 0:
                failures.Add($"{key}:Source must hold a GStreamer pipeline after 'gst:', ending in an appsink.");
                break;
            case CameraKind.File when inferred is not CameraKind.File:
                failures.Add($"{key}:Source '{shown}' is not a file path; set Kind to auto to read it as {inferred?.ToString() ?? "a URL"}.");
                break;
            case CameraKind.File when !File.Exists(source):
                failures.Add(
                    $"{key}:Source: the video file '{source}' was not found. Fix the path: a relative path is looked for " +
                    $"in the folder that holds config/, then in the working directory (here '{Path.GetFullPath(source)}').");
                break;
        }
    }

    private static void CheckDimension(int value, string key, List<string> failures)
    {
        if (value is < 0 or > MaxDimension)
        {
            failures.Add($"{key} must be 0 (keep the source size) or a size in pixels up to {MaxDimension}, not {value}.");
        }
    }

    private static void CheckPositive(int value, string key, int suggested, List<string> failures)
    {
        if (value <= 0)
        {
            failures.Add($"{key} must be a positive number of milliseconds, not {value} (default {suggested}).");
        }
    }
}
