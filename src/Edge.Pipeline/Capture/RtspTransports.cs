namespace SegMan.Edge.Pipeline.Capture;

/// <summary>The accepted values of <see cref="CameraOptions.Transport"/>.</summary>
public static class RtspTransports
{
    public const string Tcp = "tcp";
    public const string Udp = "udp";

    public static bool IsKnown(string? transport) => Normalize(transport) is Tcp or Udp;

    /// <summary>Lower-case, trimmed; empty means tcp.</summary>
    public static string Normalize(string? transport)
    {
        string t = (transport ?? "").Trim().ToLowerInvariant();
        return t.Length == 0 ? Tcp : t;
    }
}
