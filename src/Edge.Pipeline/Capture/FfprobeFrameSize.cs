using System.Globalization;
using OpenCvSharp;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>Learns a stream's frame size with ffprobe, within a deadline.</summary>
internal static class FfprobeFrameSize
{
    public static async ValueTask<Size> ProbeAsync(
        string ffprobe, IEnumerable<string> arguments, string name, int timeoutMs, CancellationToken cancellationToken)
    {
        await using FfmpegProcess process = FfmpegProcess.Start(ffprobe, arguments);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeoutMs);
        string output;
        try
        {
            output = await new StreamReader(process.Output).ReadToEndAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await process.StopAsync().ConfigureAwait(false);
            throw new FrameSourceException(
                $"ffprobe could not learn the frame size of {name} within {timeoutMs} ms ({process.Errors.Describe("no message")}). " +
                "Check that the camera is reachable, or set Width and Height to skip probing.");
        }

        int? exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        if (TryParse(output, out Size size))
        {
            return size;
        }

        throw new FrameSourceException(
            $"ffprobe found no video in {name} (exit code {exitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}): " +
            $"{process.Errors.Describe("no message")}. Check the URL, the credentials and that the camera is reachable from this machine.");
    }

    /// <summary>Reads the first <c>WIDTHxHEIGHT</c> line with positive sides.</summary>
    internal static bool TryParse(string output, out Size size)
    {
        foreach (string line in output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = line.Split('x');
            if (parts.Length == 2
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int width)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int height)
                && width > 0 && height > 0)
            {
                size = new Size(width, height);
                return true;
            }
        }

        size = default;
        return false;
    }
}
