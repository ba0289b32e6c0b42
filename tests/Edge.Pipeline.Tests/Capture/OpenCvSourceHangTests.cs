using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using SegMan.Edge.Pipeline.Capture;
using Xunit.Abstractions;

namespace SegMan.Edge.Pipeline.Tests.Capture;

/// <summary>
/// Real OpenCV calls that block forever: a FIFO with no writer blocks the open, a FIFO whose writer stops
/// sending blocks a read. Neither may hang the caller past its timeout.
/// </summary>
public sealed class OpenCvSourceHangTests(TestClip clip, ITestOutputHelper output) : IClassFixture<TestClip>
{
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(1500);

    [Fact]
    public async Task An_open_that_blocks_fails_within_the_open_timeout()
    {
        string fifo = NewFifo();
        await using var source = new OpenCvSource(new CameraOptions { Id = "fifo", Source = fifo, OpenTimeoutMs = 1000 }, NullLogger.Instance);
        try
        {
            var clock = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<FrameSourceException>(() => source.OpenAsync(CancellationToken.None).AsTask());
            output.WriteLine($"Open failed after {clock.ElapsedMilliseconds} ms.");
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromMilliseconds(1000) + Margin);
            Assert.Contains("did not finish within 1000 ms", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            // Opening the writer end and closing it ends the blocked open, so the abandoned thread can exit.
            await Task.Run(() => new FileStream(fifo, FileMode.Open, FileAccess.Write).Dispose()).WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task A_read_that_blocks_fails_within_the_read_timeout()
    {
        string longClip = Path.Combine(clip.Folder, "long.ts");
        await ExternalProcess.RunAsync(
            TimeSpan.FromSeconds(30),
            "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10",
            "-frames:v", "100", "-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-f", "mpegts", longClip);
        byte[] stream = await File.ReadAllBytesAsync(longClip);
        string fifo = NewFifo();

        // The writer sends 70 % of the stream, then stays silent with the pipe open: the next read blocks.
        Task<FileStream> writer = Task.Run(() =>
        {
            var pipe = new FileStream(fifo, FileMode.Open, FileAccess.Write);
            pipe.Write(stream, 0, stream.Length * 7 / 10);
            pipe.Flush();
            return pipe;
        });

        await using var source = new OpenCvSource(
            new CameraOptions { Id = "stall", Source = fifo, OpenTimeoutMs = 10_000, ReadTimeoutMs = 1000 }, NullLogger.Instance);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await source.OpenAsync(cts.Token);
            using var frame = new Mat();
            int frames = 0;
            var sinceLastFrame = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<FrameSourceException>(async () =>
            {
                while (await source.ReadAsync(frame, cts.Token))
                {
                    frames++;
                    sinceLastFrame.Restart();
                }
            });

            output.WriteLine($"{frames} frames, then the read failed after {sinceLastFrame.ElapsedMilliseconds} ms: {error.Message}");
            Assert.InRange(frames, 10, 90);
            Assert.True(sinceLastFrame.Elapsed < TimeSpan.FromMilliseconds(1000) + Margin, $"the read failed only after {sinceLastFrame.Elapsed}");
            Assert.Contains("within 1000 ms", error.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<FrameSourceException>(() => source.ReadAsync(frame, cts.Token).AsTask());
        }
        finally
        {
            // Closing the writer ends the blocked read, so the abandoned thread can exit.
            (await writer.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
        }
    }

    private string NewFifo()
    {
        string path = Path.Combine(clip.Folder, $"fifo-{Guid.NewGuid():N}.ts");
        Posix.MakeFifo(path);
        return path;
    }
}
