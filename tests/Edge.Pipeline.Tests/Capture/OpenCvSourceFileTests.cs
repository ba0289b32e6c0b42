using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using SegMan.Edge.Pipeline.Capture;

namespace SegMan.Edge.Pipeline.Tests.Capture;

/// <summary>Real OpenCV decoding of a real H.264 file made by the ffmpeg CLI.</summary>
public sealed class OpenCvSourceFileTests(TestClip clip) : IClassFixture<TestClip>
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Reads_every_frame_of_the_clip_then_reports_the_end()
    {
        await using var source = Create(new CameraOptions { Id = "file", Source = clip.ClipPath });
        using var cts = new CancellationTokenSource(TestTimeout);
        await source.OpenAsync(cts.Token);
        Assert.False(source.IsLive);
        Assert.Equal(clip.ClipPath, source.Name);
        Assert.Equal(TestClip.Fps, source.SourceFps, 3);

        using var previous = new Mat();
        using var frame = new Mat();
        int frames = 0;
        while (await source.ReadAsync(frame, cts.Token))
        {
            Assert.Equal(new Size(TestClip.Width, TestClip.Height), frame.Size());
            Assert.Equal(MatType.CV_8UC3, frame.Type());
            if (frames > 0)
            {
                Assert.True(Cv2.Norm(frame, previous, NormTypes.L1) > 0, $"frame {frames} equals the one before");
            }

            frame.CopyTo(previous);
            frames++;
            Assert.True(frames <= TestClip.FrameCount, "more frames than the clip holds");
        }

        Assert.Equal(TestClip.FrameCount, frames);
        Assert.False(await source.ReadAsync(frame, cts.Token));
        Assert.Equal(0, source.EmptyFrames);
    }

    [Fact]
    public async Task A_looping_file_starts_again_at_its_first_frame()
    {
        await using var source = Create(new CameraOptions { Id = "loop", Source = clip.ClipPath, Loop = true, RealTime = false });
        using var cts = new CancellationTokenSource(TestTimeout);
        await source.OpenAsync(cts.Token);

        using var first = new Mat();
        using var frame = new Mat();
        for (int i = 0; i < 2 * TestClip.FrameCount + 5; i++)
        {
            Assert.True(await source.ReadAsync(frame, cts.Token), $"read {i} ended the looping file");
            if (i == 0)
            {
                frame.CopyTo(first);
            }
            else if (i % TestClip.FrameCount == 0)
            {
                Assert.Equal(0, Cv2.Norm(frame, first, NormTypes.L1));
            }
            else
            {
                Assert.True(Cv2.Norm(frame, first, NormTypes.L1) > 0, $"frame {i} equals the first frame");
            }
        }
    }

    [Fact]
    public async Task A_real_time_file_is_paced_to_its_frame_rate()
    {
        await using var source = Create(new CameraOptions { Id = "rt", Source = clip.ClipPath, RealTime = true });
        using var cts = new CancellationTokenSource(TestTimeout);
        await source.OpenAsync(cts.Token);
        using var frame = new Mat();

        // The first read starts the pacer's clock, so time is taken from before it: the five reads after it need
        // five distinct ticks of 100 ms. Timing from after the first read would not hold on a loaded machine, where
        // a slow first decode lets a tick wait and the next read go at once.
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 6; i++)
        {
            Assert.True(await source.ReadAsync(frame, cts.Token));
        }

        // The periodic timer may fire a little early, never much.
        Assert.InRange(clock.Elapsed.TotalMilliseconds, 450, 5000);
    }

    [Fact]
    public async Task MaxFps_paces_a_file_and_loop_implies_real_time()
    {
        Assert.True(new CameraOptions { Loop = true }.PacesToSourceRate);
        Assert.False(new CameraOptions { Loop = true, RealTime = false }.PacesToSourceRate);
        Assert.False(new CameraOptions().PacesToSourceRate);

        await using var source = Create(new CameraOptions { Id = "cap", Source = clip.ClipPath, MaxFps = 4 });
        using var cts = new CancellationTokenSource(TestTimeout);
        await source.OpenAsync(cts.Token);
        using var frame = new Mat();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(await source.ReadAsync(frame, cts.Token));
        }

        // Two ticks of 250 ms after the first read, timed from before it as above.
        Assert.InRange(clock.Elapsed.TotalMilliseconds, 450, 5000);
    }

    [Fact]
    public async Task Width_alone_scales_keeping_the_aspect_ratio()
    {
        await using var source = Create(new CameraOptions { Id = "small", Source = clip.ClipPath, Width = 160 });
        using var cts = new CancellationTokenSource(TestTimeout);
        await source.OpenAsync(cts.Token);
        using var frame = new Mat();
        Assert.True(await source.ReadAsync(frame, cts.Token));
        Assert.Equal(new Size(160, 120), frame.Size());
        Assert.True(Cv2.Mean(frame).Val0 > 1, "the scaled frame is black");
    }

    [Fact]
    public async Task Reopening_releases_the_previous_capture_and_starts_over()
    {
        await using var source = Create(new CameraOptions { Id = "reopen", Source = clip.ClipPath });
        using var cts = new CancellationTokenSource(TestTimeout);
        using var first = new Mat();
        using var frame = new Mat();

        await source.OpenAsync(cts.Token);
        Assert.True(await source.ReadAsync(first, cts.Token));
        for (int i = 0; i < 5; i++)
        {
            Assert.True(await source.ReadAsync(frame, cts.Token));
        }

        await source.OpenAsync(cts.Token);
        Assert.True(await source.ReadAsync(frame, cts.Token));
        Assert.Equal(0, Cv2.Norm(frame, first, NormTypes.L1));
    }

    [Fact]
    public async Task A_cancelled_read_throws_and_the_source_must_be_reopened()
    {
        await using var source = Create(new CameraOptions { Id = "cancel", Source = clip.ClipPath, Loop = true });
        using var cts = new CancellationTokenSource(TestTimeout);
        await source.OpenAsync(cts.Token);
        using var frame = new Mat();
        Assert.True(await source.ReadAsync(frame, cts.Token));

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => source.ReadAsync(frame, cancelled.Token).AsTask());

        await source.OpenAsync(cts.Token);
        Assert.True(await source.ReadAsync(frame, cts.Token));
    }

    [Fact]
    public async Task Reading_before_opening_is_a_usage_error()
    {
        await using var source = Create(new CameraOptions { Id = "early", Source = clip.ClipPath });
        using var frame = new Mat();
        await Assert.ThrowsAsync<InvalidOperationException>(() => source.ReadAsync(frame, CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task A_missing_file_names_the_file()
    {
        string missing = Path.Combine(clip.Folder, "no-such-clip.mp4");
        await using var source = Create(new CameraOptions { Id = "missing", Source = missing });
        var error = await Assert.ThrowsAsync<FrameSourceException>(() => source.OpenAsync(CancellationToken.None).AsTask());
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("not found", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("corrupt.mp4")]
    [InlineData("truncated.mp4")]
    public async Task A_corrupt_file_names_the_file_and_the_fix(string name)
    {
        string path = Path.Combine(clip.Folder, name);
        await using var source = Create(new CameraOptions { Id = "corrupt", Source = path });
        using var cts = new CancellationTokenSource(TestTimeout);
        var error = await Assert.ThrowsAsync<FrameSourceException>(() => source.OpenAsync(cts.Token).AsTask());
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("re-encode", error.Message, StringComparison.Ordinal);
    }

    private static OpenCvSource Create(CameraOptions options) => new(options, NullLogger.Instance);
}
