using System.Globalization;
using OpenCvSharp;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>Command lines for decoding a stream to raw BGR frames on stdout, and for probing its frame size.</summary>
internal static class FfmpegArguments
{
    /// <summary>
    /// ffmpeg decoding the first video stream to <paramref name="size"/> BGR frames on stdout. The scale filter is
    /// always there, so every frame has exactly the size the reader expects even if the camera changes resolution.
    /// </summary>
    public static List<string> Decode(CameraKind kind, string url, string transport, int socketTimeoutMs, int? ffmpegMajor, Size size)
    {
        List<string> arguments = ["-nostdin", "-hide_banner", "-loglevel", "error"];
        AddInputOptions(arguments, kind, transport, socketTimeoutMs, ffmpegMajor);
        arguments.AddRange(["-noautorotate", "-i", url, "-map", "0:v:0", "-an", "-sn", "-dn"]);
        arguments.AddRange(["-vf", string.Create(CultureInfo.InvariantCulture, $"scale={size.Width}:{size.Height}")]);

        // Raw output defaults to constant frame rate, which duplicates frames of streams with odd timestamps
        // (thousands per second for RTP/JPEG): pass frames through as they are decoded. '-fps_mode' replaced
        // '-vsync' in ffmpeg 5.1; builds that do not say their version are taken to be recent.
        arguments.AddRange([ffmpegMajor is null or >= 6 ? "-fps_mode" : "-vsync", "passthrough"]);
        arguments.AddRange(["-pix_fmt", "bgr24", "-f", "rawvideo", "pipe:1"]);
        return arguments;
    }

    /// <summary>ffprobe printing the first video stream's size as <c>WIDTHxHEIGHT</c>.</summary>
    public static List<string> Probe(CameraKind kind, string url, string transport, int socketTimeoutMs, int? ffmpegMajor)
    {
        List<string> arguments = ["-hide_banner", "-loglevel", "error"];
        AddInputOptions(arguments, kind, transport, socketTimeoutMs, ffmpegMajor);
        arguments.AddRange(["-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0:s=x", url]);
        return arguments;
    }

    private static void AddInputOptions(List<string> arguments, CameraKind kind, string transport, int socketTimeoutMs, int? ffmpegMajor)
    {
        // Start at the first decodable frame instead of first measuring the frame rate (about 2 s at 10 fps).
        // No '-fflags nobuffer': it throws away the packets read while probing, so an H.264 stream would have
        // to wait for its next key frame (and a short stream would deliver nothing).
        arguments.AddRange(["-fpsprobesize", "0"]);
        string timeoutUs = ((long)socketTimeoutMs * 1000).ToString(CultureInfo.InvariantCulture);
        if (kind == CameraKind.Rtsp)
        {
            arguments.AddRange(["-rtsp_transport", RtspTransports.Normalize(transport)]);
            if (ffmpegMajor is >= 5)
            {
                arguments.AddRange(["-timeout", timeoutUs]);
            }
            else if (ffmpegMajor is not null)
            {
                arguments.AddRange(["-stimeout", timeoutUs]);
            }
        }
        else if (kind == CameraKind.Http)
        {
            arguments.AddRange(["-timeout", timeoutUs]);
        }
    }
}
