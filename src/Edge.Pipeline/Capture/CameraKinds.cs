using System.Globalization;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>Parses <see cref="CameraOptions.Kind"/> and infers the kind from <see cref="CameraOptions.Source"/>.</summary>
public static class CameraKinds
{
    /// <summary>The prefix that marks a GStreamer pipeline in <see cref="CameraOptions.Source"/>.</summary>
    public const string GStreamerPrefix = "gst:";

    /// <summary>The accepted spellings of <see cref="CameraOptions.Kind"/>, for messages.</summary>
    public const string KnownNames = "auto, file, rtsp, http, v4l2 or gstreamer";

    /// <summary>Parses a configured kind (case-insensitive); empty means auto.</summary>
    public static bool TryParse(string? kind, out CameraKind result)
    {
        result = (kind ?? "").Trim().ToUpperInvariant() switch
        {
            "" or "AUTO" => CameraKind.Auto,
            "FILE" => CameraKind.File,
            "RTSP" => CameraKind.Rtsp,
            "HTTP" or "HTTPS" => CameraKind.Http,
            "V4L2" or "V4L" => CameraKind.V4l2,
            "GSTREAMER" or "GST" => CameraKind.Gstreamer,
            _ => (CameraKind)(-1),
        };
        return Enum.IsDefined(result);
    }

    /// <summary>
    /// Infers the kind from the source text, or returns null when it names a URL scheme that no source reads.
    /// </summary>
    public static CameraKind? Infer(string source)
    {
        string s = source.Trim();
        if (s.StartsWith(GStreamerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return CameraKind.Gstreamer;
        }

        if (HasScheme(s, "rtsp") || HasScheme(s, "rtsps"))
        {
            return CameraKind.Rtsp;
        }

        if (HasScheme(s, "http") || HasScheme(s, "https"))
        {
            return CameraKind.Http;
        }

        if (TryGetDeviceIndex(s, out _) || IsDevicePath(s))
        {
            return CameraKind.V4l2;
        }

        return TryGetScheme(s, out _) ? null : CameraKind.File;
    }

    /// <summary>The kind a source will be read as: the configured one, or the inferred one for auto.</summary>
    /// <exception cref="ArgumentException">The kind is unknown or cannot be inferred.</exception>
    public static CameraKind Resolve(CameraOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!TryParse(options.Kind, out CameraKind kind))
        {
            throw new ArgumentException($"Unknown camera kind '{options.Kind}': use {KnownNames}.", nameof(options));
        }

        if (kind != CameraKind.Auto)
        {
            return kind;
        }

        return Infer(options.Source)
            ?? throw new ArgumentException(
                $"Cannot tell how to read '{CredentialMask.Apply(options.Source)}': set Kind to one of {KnownNames}.",
                nameof(options));
    }

    /// <summary>A bare number such as <c>0</c> names V4L2 device <c>/dev/video0</c>.</summary>
    public static bool TryGetDeviceIndex(string source, out int index) =>
        int.TryParse(source.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out index);

    /// <summary>Device nodes: <c>/dev/videoN</c> and the stable <c>/dev/v4l/by-id/…</c>, <c>/dev/v4l/by-path/…</c> links.</summary>
    public static bool IsDevicePath(string source)
    {
        string s = source.Trim();
        return s.StartsWith("/dev/video", StringComparison.Ordinal) || s.StartsWith("/dev/v4l/", StringComparison.Ordinal);
    }

    /// <summary>The pipeline text without the optional <c>gst:</c> prefix.</summary>
    public static string GetPipeline(string source)
    {
        string s = source.Trim();
        return s.StartsWith(GStreamerPrefix, StringComparison.OrdinalIgnoreCase) ? s[GStreamerPrefix.Length..].Trim() : s;
    }

    /// <summary>Reads the <c>scheme</c> of <c>scheme://…</c>; a Windows drive letter is no scheme.</summary>
    public static bool TryGetScheme(string source, out string scheme)
    {
        int end = source.IndexOf("://", StringComparison.Ordinal);
        scheme = end > 1 ? source[..end] : "";
        return scheme.Length > 1 && char.IsAsciiLetter(scheme[0]) && scheme.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.');
    }

    private static bool HasScheme(string source, string scheme) =>
        source.Length > scheme.Length + 3
        && source.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
        && source.AsSpan(scheme.Length).StartsWith("://", StringComparison.Ordinal);
}
