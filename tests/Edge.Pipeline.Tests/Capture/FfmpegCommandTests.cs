using OpenCvSharp;
using SegMan.Edge.Pipeline.Capture;

namespace SegMan.Edge.Pipeline.Tests.Capture;

public sealed class FfmpegCommandTests
{
    [Fact]
    public void Decodes_rtsp_over_tcp_to_scaled_bgr_frames_on_stdout()
    {
        List<string> args = FfmpegArguments.Decode(CameraKind.Rtsp, "rtsp://cam/x", "TCP", 5000, 6, new Size(640, 360));
        string line = string.Join(' ', args);
        Assert.StartsWith("-nostdin -hide_banner -loglevel error", line, StringComparison.Ordinal);
        Assert.Contains("-rtsp_transport tcp -timeout 5000000", line, StringComparison.Ordinal);
        Assert.Contains("-i rtsp://cam/x", line, StringComparison.Ordinal);
        Assert.Contains("-vf scale=640:360 -fps_mode passthrough", line, StringComparison.Ordinal);
        Assert.EndsWith("-pix_fmt bgr24 -f rawvideo pipe:1", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4, "-stimeout 3000000", "-vsync passthrough")]
    [InlineData(5, "-timeout 3000000", "-vsync passthrough")]
    [InlineData(7, "-timeout 3000000", "-fps_mode passthrough")]
    public void Uses_the_options_each_ffmpeg_version_understands(int major, string timeout, string passthrough)
    {
        string line = string.Join(' ', FfmpegArguments.Decode(CameraKind.Rtsp, "rtsp://cam/x", "udp", 3000, major, new Size(2, 2)));
        Assert.Contains("-rtsp_transport udp " + timeout, line, StringComparison.Ordinal);
        Assert.Contains(passthrough, line, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_version_gets_no_rtsp_timeout_option_rather_than_a_wrong_one()
    {
        string line = string.Join(' ', FfmpegArguments.Decode(CameraKind.Rtsp, "rtsp://cam/x", "tcp", 3000, null, new Size(2, 2)));
        Assert.DoesNotContain("timeout", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Http_gets_a_socket_timeout_and_no_rtsp_options()
    {
        string line = string.Join(' ', FfmpegArguments.Decode(CameraKind.Http, "http://cam/v", "tcp", 2000, 5, new Size(2, 2)));
        Assert.Contains("-timeout 2000000 -noautorotate -i http://cam/v", line, StringComparison.Ordinal);
        Assert.DoesNotContain("rtsp", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Probes_the_first_video_stream_size()
    {
        string line = string.Join(' ', FfmpegArguments.Probe(CameraKind.Rtsp, "rtsp://cam/x", "tcp", 4000, 6));
        Assert.Contains("-select_streams v:0 -show_entries stream=width,height -of csv=p=0:s=x rtsp://cam/x", line, StringComparison.Ordinal);
        Assert.Contains("-rtsp_transport tcp -timeout 4000000", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026", 5)]
    [InlineData("ffmpeg version 4.4.2-0ubuntu0.22.04.1 Copyright", 4)]
    [InlineData("ffmpeg version n6.1.1 Copyright", 6)]
    [InlineData("ffmpeg version N-113286-g1a2b3c Copyright", null)]
    public void Reads_the_major_version_from_the_banner(string banner, int? expected) =>
        Assert.Equal(expected, FfmpegVersion.Parse(banner));

    [Theory]
    [InlineData("320x240\n", 320, 240)]
    [InlineData("\n1920x1080\n1920x1080\n", 1920, 1080)]
    [InlineData("0x0\n640x480", 640, 480)]
    public void Parses_the_probed_size(string output, int width, int height)
    {
        Assert.True(FfprobeFrameSize.TryParse(output, out Size size));
        Assert.Equal(new Size(width, height), size);
    }

    [Theory]
    [InlineData("")]
    [InlineData("N/A")]
    [InlineData("x240")]
    public void Rejects_output_without_a_size(string output) => Assert.False(FfprobeFrameSize.TryParse(output, out _));

    [Theory]
    [InlineData(0, 0, 1280, 720)]
    [InlineData(640, 0, 640, 360)]
    [InlineData(0, 180, 320, 180)]
    [InlineData(100, 100, 100, 100)]
    public void Target_size_follows_the_aspect_ratio_when_one_side_is_given(int width, int height, int expectedWidth, int expectedHeight) =>
        Assert.Equal(new Size(expectedWidth, expectedHeight), FrameSizes.Target(new Size(1280, 720), width, height));
}
