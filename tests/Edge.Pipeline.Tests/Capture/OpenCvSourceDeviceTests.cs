using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using SegMan.Edge.Pipeline.Capture;

namespace SegMan.Edge.Pipeline.Tests.Capture;

/// <summary>V4L2 and GStreamer sources against the OpenCV actually loaded here.</summary>
public sealed class OpenCvSourceDeviceTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("/dev/video97", "/dev/video97")]
    [InlineData("96", "/dev/video96")]
    public async Task A_missing_v4l2_device_is_named_with_the_fix(string source, string device)
    {
        await using var source2 = new OpenCvSource(new CameraOptions { Id = "usb", Source = source }, NullLogger.Instance);
        Assert.True(source2.IsLive);
        Assert.Equal(device, source2.Name);
        var error = await Assert.ThrowsAsync<FrameSourceException>(() => source2.OpenAsync(CancellationToken.None).AsTask());
        Assert.Contains($"'{device}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("v4l2-ctl --list-devices", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gstreamer_pipeline_runs_where_opencv_has_gstreamer_and_says_which_build_has_it_where_not()
    {
        const string pipeline = "videotestsrc num-buffers=100 ! video/x-raw,width=64,height=48 ! videoconvert ! video/x-raw,format=BGR ! appsink";
        await using var source = new OpenCvSource(
            new CameraOptions { Id = "gst", Source = CameraKinds.GStreamerPrefix + pipeline }, NullLogger.Instance);
        Assert.True(source.IsLive);
        Assert.Equal("gst:" + pipeline, source.Name);
        using var cts = new CancellationTokenSource(TestTimeout);

        if (!OpenCvBuild.HasGStreamer)
        {
            var error = await Assert.ThrowsAsync<FrameSourceException>(() => source.OpenAsync(cts.Token).AsTask());
            Assert.Contains("built without GStreamer", error.Message, StringComparison.Ordinal);
            Assert.Contains("JetPack", error.Message, StringComparison.Ordinal);
            return;
        }

        await source.OpenAsync(cts.Token);
        using var frame = new Mat();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(await source.ReadAsync(frame, cts.Token));
            Assert.Equal(new Size(64, 48), frame.Size());
        }
    }

    [Fact]
    public void Reads_backends_from_build_information()
    {
        const string info = """
              GUI:                           GTK3
              Video I/O:
                FFMPEG:                      YES
                  avcodec:                   YES (61.19.101)
                GStreamer:                   NO
                v4l/v4l2:                    YES (linux/videodev2.h)
            """;
        Assert.True(OpenCvBuild.HasVideoBackend(info, "FFMPEG"));
        Assert.False(OpenCvBuild.HasVideoBackend(info, "GStreamer"));
        Assert.True(OpenCvBuild.HasVideoBackend(info.Replace("GStreamer:                   NO", "GStreamer:                   YES (1.20.3)", StringComparison.Ordinal), "GStreamer"));
        Assert.False(OpenCvBuild.HasVideoBackend("GStreamer: YES", "GStreamer"));

        // The stock OpenCvSharp runtime: FFmpeg for files, no GStreamer.
        Assert.True(OpenCvBuild.HasFfmpeg);
    }

    [Fact]
    public async Task The_factory_picks_ffmpeg_for_network_streams_and_opencv_for_the_rest()
    {
        var loggers = NullLoggerFactory.Instance;
        await using IFrameSource rtsp = FrameSourceFactory.Create(new CameraOptions { Id = "a", Source = "rtsp://u:p@cam/x" }, loggers);
        await using IFrameSource http = FrameSourceFactory.Create(new CameraOptions { Id = "b", Source = "https://cam/x.mjpg" }, loggers);
        await using IFrameSource file = FrameSourceFactory.Create(new CameraOptions { Id = "c", Source = "clip.mp4" }, loggers);
        await using IFrameSource usb = FrameSourceFactory.Create(new CameraOptions { Id = "d", Source = "0" }, loggers);
        await using IFrameSource gst = FrameSourceFactory.Create(new CameraOptions { Id = "e", Source = "v4l2src ! appsink", Kind = "gstreamer" }, loggers);

        Assert.IsType<FfmpegSource>(rtsp);
        Assert.Equal("rtsp://***@cam/x", rtsp.Name);
        Assert.IsType<FfmpegSource>(http);
        Assert.IsType<OpenCvSource>(file);
        Assert.False(file.IsLive);
        Assert.IsType<OpenCvSource>(usb);
        Assert.IsType<OpenCvSource>(gst);
        Assert.Throws<ArgumentException>(() => FrameSourceFactory.Create(new CameraOptions { Id = "f", Source = "x", Kind = "webcam" }, loggers));
    }
}
