using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>
/// The major version of an ffmpeg binary, asked once per path. It matters for one option: the RTSP socket timeout is
/// <c>-timeout</c> from ffmpeg 5 on, but <c>-stimeout</c> in ffmpeg 4 (Ubuntu 22.04, JetPack 6), where <c>-timeout</c>
/// would turn the client into a listening server.
/// </summary>
internal static partial class FfmpegVersion
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly ConcurrentDictionary<string, int?> Known = new(StringComparer.Ordinal);

    /// <summary>The major version, or null when the banner does not say (e.g. a git build).</summary>
    public static async ValueTask<int?> GetMajorAsync(string ffmpeg, CancellationToken cancellationToken)
    {
        if (Known.TryGetValue(ffmpeg, out int? major))
        {
            return major;
        }

        await using FfmpegProcess process = FfmpegProcess.Start(ffmpeg, ["-hide_banner", "-version"]);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        string banner;
        try
        {
            banner = await new StreamReader(process.Output).ReadToEndAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FrameSourceException($"'{ffmpeg} -version' did not answer within {Timeout.TotalSeconds:0} s; check the ffmpeg install.");
        }

        major = Parse(banner);
        Known.TryAdd(ffmpeg, major);
        return major;
    }

    internal static int? Parse(string banner)
    {
        Match match = VersionPattern().Match(banner);
        return match.Success ? int.Parse(match.Groups["major"].Value, CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex(@"version\s+n?(?<major>\d+)\.", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();
}
