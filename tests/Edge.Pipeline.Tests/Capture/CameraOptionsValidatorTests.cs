using SegMan.Edge.Pipeline.Capture;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Tests.Capture;

public sealed class CameraOptionsValidatorTests : IDisposable
{
    private readonly string _file = Path.GetTempFileName();

    public void Dispose() => File.Delete(_file);

    [Fact]
    public void A_complete_camera_is_valid()
    {
        var result = new CameraOptionsValidator().Validate("front", new CameraOptions { Id = "front", Source = "rtsp://10.0.0.5/stream" });
        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.True(Validate(new CameraOptions { Id = "file", Source = _file, Loop = true }).Count == 0);
    }

    [Fact]
    public void Missing_id_and_source_name_their_keys()
    {
        var result = new CameraOptionsValidator().Validate("2", new CameraOptions());
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("SegMan:Cameras:2:Id is required", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("SegMan:Cameras:2:Source is required", StringComparison.Ordinal) && f.Contains("gst:", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_kind_lists_the_known_ones()
    {
        string failure = Assert.Single(Validate(new CameraOptions { Id = "a", Source = _file, Kind = "webcam" }));
        Assert.Equal("SegMan:Cameras:0:Kind 'webcam' is not known: use auto, file, rtsp, http, v4l2 or gstreamer.", failure);
    }

    [Fact]
    public void A_missing_file_names_the_path_and_the_fix()
    {
        string missing = Path.Combine(Path.GetTempPath(), "segman-missing-clip.mp4");
        string failure = Assert.Single(Validate(new CameraOptions { Id = "a", Source = missing }));
        Assert.StartsWith("SegMan:Cameras:0:Source: the video file", failure, StringComparison.Ordinal);
        Assert.Contains(missing, failure, StringComparison.Ordinal);
        Assert.Contains("Fix the path", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 5000, "SegMan:Cameras:0:OpenTimeoutMs must be a positive number of milliseconds, not 0 (default 10000).")]
    [InlineData(10000, -1, "SegMan:Cameras:0:ReadTimeoutMs must be a positive number of milliseconds, not -1 (default 5000).")]
    public void Timeouts_must_be_positive(int open, int read, string expected)
    {
        string failure = Assert.Single(Validate(new CameraOptions { Id = "a", Source = _file, OpenTimeoutMs = open, ReadTimeoutMs = read }));
        Assert.Equal(expected, failure);
    }

    [Fact]
    public void Rates_sizes_transport_and_backoff_are_checked()
    {
        var options = new CameraOptions
        {
            Id = "a",
            Source = "rtsp://cam/stream",
            MaxFps = -1,
            Width = -2,
            Height = 20_000,
            Transport = "quic",
            Backoff = new BackoffOptions { InitialMs = 0, MaxMs = -5 },
        };
        List<string> failures = Validate(options);
        Assert.Contains(failures, f => f.StartsWith("SegMan:Cameras:0:MaxFps must be 0", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("SegMan:Cameras:0:Width must be 0", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("SegMan:Cameras:0:Height must be 0", StringComparison.Ordinal));
        Assert.Contains(failures, f => f == "SegMan:Cameras:0:Transport 'quic' is not known: use tcp (default) or udp.");
        Assert.Contains(failures, f => f.StartsWith("SegMan:Cameras:0:Backoff:InitialMs must be a positive", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("SegMan:Cameras:0:Backoff:MaxMs (-5) must be at least", StringComparison.Ordinal));
        Assert.Equal(6, failures.Count);
    }

    [Theory]
    [InlineData("rtsp", "/videos/a.mp4", "must be an rtsp:// URL")]
    [InlineData("http", "rtsp://cam/x", "must be an http:// or https:// URL")]
    [InlineData("v4l2", "rtsp://cam/x", "must be a device index (0) or path (/dev/video0)")]
    [InlineData("file", "rtsp://cam/x", "is not a file path")]
    [InlineData("gstreamer", "gst:", "must hold a GStreamer pipeline")]
    [InlineData("auto", "rtmp://cam/live", "unsupported scheme 'rtmp'")]
    public void The_source_must_fit_the_kind(string kind, string source, string expected)
    {
        string failure = Assert.Single(Validate(new CameraOptions { Id = "a", Source = source, Kind = kind }));
        Assert.Contains(expected, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Credentials_do_not_leak_into_messages()
    {
        string failure = Assert.Single(Validate(new CameraOptions { Id = "a", Source = "rtsp://admin:hunter2@cam/x", Kind = "http" }));
        Assert.DoesNotContain("hunter2", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateAll_keys_each_camera_by_index_and_rejects_duplicate_ids()
    {
        var result = CameraOptionsValidator.ValidateAll(
        [
            new CameraOptions { Id = "front", Source = "rtsp://cam1/x" },
            new CameraOptions { Id = "rear", Source = "" },
            new CameraOptions { Id = "FRONT", Source = "rtsp://cam2/x" },
        ]);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("SegMan:Cameras:1:Source is required", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f == "SegMan:Cameras:2:Id 'FRONT' is already used by SegMan:Cameras:0: give each camera its own id.");
        Assert.Equal(2, result.Failures!.Count());
    }

    private static List<string> Validate(CameraOptions options) => CameraOptionsValidator.Collect(options, "SegMan:Cameras:0");
}
