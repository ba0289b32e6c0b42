using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using SegMan.Edge.Pipeline.Capture;
using Xunit.Abstractions;

namespace SegMan.Edge.Pipeline.Tests.Capture;

/// <summary>FfmpegSource against a real local RTSP server that is killed, frozen and restarted.</summary>
public sealed class FfmpegSourceRtspTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int ReadTimeoutMs = 1500;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(1500);
    private RtspTestServer? _server;

    private RtspTestServer Server => _server!;

    public async Task InitializeAsync() => _server = await RtspTestServer.StartAsync();

    public Task DisposeAsync()
    {
        _server?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Frames_arrive_at_the_probed_size_and_move()
    {
        await using var source = Create(new CameraOptions { Id = "rtsp", Source = Server.Url, ReadTimeoutMs = ReadTimeoutMs });
        using var cts = new CancellationTokenSource(TestTimeout);
        await source.OpenAsync(cts.Token);
        Assert.True(source.IsLive);
        Assert.Equal(new Size(Server.Width, Server.Height), source.FrameSize);

        using var frame = new Mat();
        using var previous = new Mat();
        for (int i = 0; i < 10; i++)
        {
            Assert.True(await source.ReadAsync(frame, cts.Token));
            Assert.Equal(new Size(Server.Width, Server.Height), frame.Size());
            Assert.Equal(MatType.CV_8UC3, frame.Type());
            Scalar mean = Cv2.Mean(frame);
            Assert.True(mean.Val0 + mean.Val1 + mean.Val2 > 1, $"frame {i} is black");
            if (i > 0)
            {
                // The ball moves every frame: an unchanged frame would be a duplicate.
                Assert.True(Cv2.Norm(frame, previous, NormTypes.L1) > 0, $"frame {i} repeats the one before");
            }

            frame.CopyTo(previous);
        }
    }

    [Fact]
    public async Task Width_and_height_scale_the_stream_without_probing()
    {
        await using var source = Create(new CameraOptions { Id = "small", Source = Server.Url, Width = 160, Height = 90 });
        using var cts = new CancellationTokenSource(TestTimeout);
        await source.OpenAsync(cts.Token);
        using var frame = new Mat();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(await source.ReadAsync(frame, cts.Token));
            Assert.Equal(new Size(160, 90), frame.Size());
        }
    }

    [Fact]
    public async Task Udp_transport_delivers_frames()
    {
        await using var source = Create(new CameraOptions { Id = "udp", Source = Server.Url, Transport = "udp" });
        using var cts = new CancellationTokenSource(TestTimeout);
        await source.OpenAsync(cts.Token);
        using var frame = new Mat();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(await source.ReadAsync(frame, cts.Token));
        }

        Assert.Equal(new Size(Server.Width, Server.Height), frame.Size());
    }

    [Fact]
    public async Task MaxFps_skips_frames_of_a_faster_stream()
    {
        await using var source = Create(new CameraOptions { Id = "slow", Source = Server.Url, MaxFps = 5 });
        using var cts = new CancellationTokenSource(TestTimeout);
        long beforeOpen = Stopwatch.GetTimestamp();
        await source.OpenAsync(cts.Token);
        using var frame = new Mat();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 4; i++)
        {
            Assert.True(await source.ReadAsync(frame, cts.Token));
        }

        // The first frame comes from opening, which starts the limiter's cadence; three more slots of 200 ms (less a
        // quarter each for jitter) follow it. The lower bound is timed from before opening, so a slow start cannot
        // eat into it; the upper bound only from the reads.
        Assert.True(Stopwatch.GetElapsedTime(beforeOpen).TotalMilliseconds >= 450, "5 fps let frames through early");
        Assert.InRange(clock.Elapsed.TotalMilliseconds, 0, 5000);
        Assert.True(source.SkippedFrames >= 3, $"only {source.SkippedFrames} frames were skipped");
    }

    [Fact]
    public async Task A_killed_server_fails_the_read_quickly_and_a_restarted_one_reopens()
    {
        await using var source = Create(new CameraOptions { Id = "restart", Source = Server.Url, ReadTimeoutMs = ReadTimeoutMs });
        using var cts = new CancellationTokenSource(TestTimeout);
        await source.OpenAsync(cts.Token);
        using var frame = new Mat();
        Assert.True(await source.ReadAsync(frame, cts.Token));

        Server.Kill();
        TimeSpan failedAfter = await ReadUntilFailureAsync(source, frame, cts.Token);
        output.WriteLine($"Read failed {failedAfter.TotalMilliseconds:0} ms after the server was killed.");
        Assert.True(failedAfter < TimeSpan.FromMilliseconds(ReadTimeoutMs) + Margin, $"the read failed only after {failedAfter}");
        await Assert.ThrowsAsync<FrameSourceException>(() => source.ReadAsync(frame, cts.Token).AsTask());

        await Server.RestartAsync();
        await OpenWithRetriesAsync(source, cts.Token);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(await source.ReadAsync(frame, cts.Token));
        }

        Assert.Equal(new Size(Server.Width, Server.Height), frame.Size());
    }

    [Fact]
    public async Task A_frozen_server_fails_the_read_within_the_read_timeout()
    {
        await using var source = Create(new CameraOptions { Id = "frozen", Source = Server.Url, ReadTimeoutMs = ReadTimeoutMs });
        using var cts = new CancellationTokenSource(TestTimeout);
        await source.OpenAsync(cts.Token);
        using var frame = new Mat();
        Assert.True(await source.ReadAsync(frame, cts.Token));

        Server.Process.Signal(Posix.SigStop);
        try
        {
            TimeSpan failedAfter = await ReadUntilFailureAsync(source, frame, cts.Token);
            output.WriteLine($"Read failed {failedAfter.TotalMilliseconds:0} ms after the last frame of the frozen server.");
            Assert.True(failedAfter < TimeSpan.FromMilliseconds(ReadTimeoutMs) + Margin, $"the read failed only after {failedAfter}");
        }
        finally
        {
            Server.Process.Signal(Posix.SigCont);
        }

        await OpenWithRetriesAsync(source, cts.Token);
        Assert.True(await source.ReadAsync(frame, cts.Token));
    }

    [Fact]
    public async Task A_cancelled_read_throws_promptly_and_the_source_reopens()
    {
        await using var source = Create(new CameraOptions { Id = "cancel", Source = Server.Url });
        using var cts = new CancellationTokenSource(TestTimeout);
        await source.OpenAsync(cts.Token);
        using var frame = new Mat();
        Assert.True(await source.ReadAsync(frame, cts.Token));

        Server.Process.Signal(Posix.SigStop);
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            var clock = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                while (true)
                {
                    await source.ReadAsync(frame, cancel.Token);
                }
            });
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"cancellation took {clock.Elapsed}");
        }
        finally
        {
            Server.Process.Signal(Posix.SigCont);
        }

        await Assert.ThrowsAsync<FrameSourceException>(() => source.ReadAsync(frame, cts.Token).AsTask());
        await OpenWithRetriesAsync(source, cts.Token);
        Assert.True(await source.ReadAsync(frame, cts.Token));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(320, 240)]
    public async Task Credentials_never_show_in_the_name_or_errors(int width, int height)
    {
        string url = $"rtsp://admin:s3cr3t@127.0.0.1:{FreeClosedPort()}/cam";
        await using var source = Create(new CameraOptions { Id = "creds", Source = url, Width = width, Height = height, OpenTimeoutMs = 5000 });
        Assert.DoesNotContain("s3cr3t", source.Name, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", source.Name, StringComparison.Ordinal);

        using var cts = new CancellationTokenSource(TestTimeout);
        var error = await Assert.ThrowsAsync<FrameSourceException>(() => source.OpenAsync(cts.Token).AsTask());
        Assert.DoesNotContain("s3cr3t", error.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", error.Message, StringComparison.Ordinal);
        Assert.Contains("refused", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_missing_ffmpeg_says_to_install_it()
    {
        await using var source = new FfmpegSource(
            new CameraOptions { Id = "nobin", Source = Server.Url }, NullLogger.Instance, "segman-no-such-ffmpeg", "segman-no-such-ffprobe");
        var error = await Assert.ThrowsAsync<FrameSourceException>(() => source.OpenAsync(CancellationToken.None).AsTask());
        Assert.Contains("install ffmpeg", error.Message, StringComparison.Ordinal);
        Assert.Contains("segman-no-such-ffmpeg", error.Message, StringComparison.Ordinal);
    }

    internal static FfmpegSource Create(CameraOptions options) => new(options, NullLogger.Instance);

    /// <summary>Reads until the source fails; returns the time from the last good frame to the failure.</summary>
    internal static async Task<TimeSpan> ReadUntilFailureAsync(IFrameSource source, Mat frame, CancellationToken cancellationToken)
    {
        var sinceLastFrame = Stopwatch.StartNew();
        var overall = Stopwatch.StartNew();
        try
        {
            while (overall.Elapsed < TimeSpan.FromSeconds(15))
            {
                Assert.True(await source.ReadAsync(frame, cancellationToken));
                sinceLastFrame.Restart();
            }
        }
        catch (FrameSourceException)
        {
            return sinceLastFrame.Elapsed;
        }

        throw new Xunit.Sdk.XunitException("The source kept delivering frames after its server went away.");
    }

    /// <summary>What the pipeline runner does: open again, with a short pause, until it works (bounded).</summary>
    internal static async Task OpenWithRetriesAsync(IFrameSource source, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await source.OpenAsync(cancellationToken);
                return;
            }
            catch (FrameSourceException) when (attempt < 10)
            {
                await Task.Delay(300, cancellationToken);
            }
        }
    }

    private static int FreeClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
