using SegMan.Edge.Pipeline.Capture;

namespace SegMan.Edge.Pipeline.Tests.Capture;

public sealed class CameraKindsTests
{
    [Theory]
    [InlineData("videos/demo.mp4", CameraKind.File)]
    [InlineData("/data/clip.mkv", CameraKind.File)]
    [InlineData(@"C:\clips\a.mp4", CameraKind.File)]
    [InlineData("rtsp://10.0.0.5:554/stream1", CameraKind.Rtsp)]
    [InlineData("RTSPS://cam.local/s", CameraKind.Rtsp)]
    [InlineData("http://cam.local/video.mjpg", CameraKind.Http)]
    [InlineData("https://cam.local/live.m3u8", CameraKind.Http)]
    [InlineData("0", CameraKind.V4l2)]
    [InlineData(" 12 ", CameraKind.V4l2)]
    [InlineData("/dev/video2", CameraKind.V4l2)]
    [InlineData("/dev/v4l/by-id/usb-Logitech_C920-video-index0", CameraKind.V4l2)]
    [InlineData("gst:nvarguscamerasrc ! nvvidconv ! appsink", CameraKind.Gstreamer)]
    [InlineData("GST: v4l2src ! appsink", CameraKind.Gstreamer)]
    public void Infers_the_kind_from_the_source(string source, CameraKind expected) =>
        Assert.Equal(expected, CameraKinds.Infer(source));

    [Theory]
    [InlineData("rtmp://server/live")]
    [InlineData("srt://server:9000")]
    public void Unsupported_schemes_are_not_guessed(string source) => Assert.Null(CameraKinds.Infer(source));

    [Theory]
    [InlineData("", CameraKind.Auto)]
    [InlineData("Auto", CameraKind.Auto)]
    [InlineData("FILE", CameraKind.File)]
    [InlineData("rtsp", CameraKind.Rtsp)]
    [InlineData("https", CameraKind.Http)]
    [InlineData("v4l2", CameraKind.V4l2)]
    [InlineData("GStreamer", CameraKind.Gstreamer)]
    public void Parses_configured_kinds(string kind, CameraKind expected)
    {
        Assert.True(CameraKinds.TryParse(kind, out CameraKind parsed));
        Assert.Equal(expected, parsed);
    }

    [Fact]
    public void Resolve_prefers_the_configured_kind_and_rejects_unknown_ones()
    {
        Assert.Equal(CameraKind.Gstreamer, CameraKinds.Resolve(new CameraOptions { Source = "v4l2src ! appsink", Kind = "gstreamer" }));
        Assert.Equal(CameraKind.Rtsp, CameraKinds.Resolve(new CameraOptions { Source = "rtsp://cam/x" }));
        Assert.Throws<ArgumentException>(() => CameraKinds.Resolve(new CameraOptions { Source = "x.mp4", Kind = "webcam" }));
        var error = Assert.Throws<ArgumentException>(() => CameraKinds.Resolve(new CameraOptions { Source = "rtmp://u:pw@cam/x" }));
        Assert.DoesNotContain("pw@", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Strips_the_gstreamer_prefix()
    {
        Assert.Equal("videotestsrc ! appsink", CameraKinds.GetPipeline(" gst: videotestsrc ! appsink "));
        Assert.Equal("videotestsrc ! appsink", CameraKinds.GetPipeline("videotestsrc ! appsink"));
    }
}
