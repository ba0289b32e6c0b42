using System.Text.RegularExpressions;
using OpenCvSharp;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>What the native OpenCV loaded in this process can capture from, read from its build information.</summary>
public static partial class OpenCvBuild
{
    private static readonly Lazy<string> Information = new(Cv2.GetBuildInformation);

    /// <summary>True when OpenCV was built with GStreamer (not the stock OpenCvSharp linux-x64 runtime; JetPack's OpenCV is).</summary>
    public static bool HasGStreamer => HasVideoBackend(Information.Value, "GStreamer");

    /// <summary>True when OpenCV was built with FFmpeg (the stock runtimes are; it decodes files, not network streams).</summary>
    public static bool HasFfmpeg => HasVideoBackend(Information.Value, "FFMPEG");

    /// <summary>Whether <paramref name="buildInformation"/> lists <paramref name="backend"/> as YES under "Video I/O".</summary>
    internal static bool HasVideoBackend(string buildInformation, string backend)
    {
        int videoIo = buildInformation.IndexOf("Video I/O:", StringComparison.Ordinal);
        if (videoIo < 0)
        {
            return false;
        }

        foreach (Match line in BackendLine().Matches(buildInformation[videoIo..]))
        {
            if (line.Groups["name"].Value.Equals(backend, StringComparison.OrdinalIgnoreCase))
            {
                return line.Groups["value"].Value.StartsWith("YES", StringComparison.OrdinalIgnoreCase);
            }
        }

        return false;
    }

    [GeneratedRegex(@"^[ \t]*(?<name>[^:\r\n]+?):[ \t]*(?<value>[^\r\n]*)$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex BackendLine();
}
