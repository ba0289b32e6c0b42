using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using SegMan.Edge.Pipeline.Capture;

namespace SegMan.Edge.Pipeline.Tests.Capture;

/// <summary>FfmpegSource reading the test clip from a real local HTTP server (Python's http.server).</summary>
public sealed class FfmpegSourceHttpTests(TestClip clip) : IClassFixture<TestClip>, IDisposable
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);
    private ExternalProcess? _server;

    public void Dispose() => _server?.Dispose();

    [Fact]
    public async Task An_http_stream_delivers_the_clip_frame_for_frame_then_fails_at_its_end()
    {
        string url = await StartServerAsync() + "/clip.ts";
        await using var source = new FfmpegSource(new CameraOptions { Id = "http", Source = url }, NullLogger.Instance);
        using var cts = new CancellationTokenSource(TestTimeout);
        await source.OpenAsync(cts.Token);
        Assert.Equal(new Size(TestClip.Width, TestClip.Height), source.FrameSize);

        using var frame = new Mat();
        using var reference = new Mat();
        await using (var file = new OpenCvSource(new CameraOptions { Id = "ref", Source = clip.ClipPath }, NullLogger.Instance))
        {
            await file.OpenAsync(cts.Token);
            Assert.True(await file.ReadAsync(reference, cts.Token));
        }

        int frames = 0;
        var error = await Assert.ThrowsAsync<FrameSourceException>(async () =>
        {
            while (frames <= TestClip.FrameCount)
            {
                Assert.True(await source.ReadAsync(frame, cts.Token));
                Assert.Equal(new Size(TestClip.Width, TestClip.Height), frame.Size());
                if (frames == 0)
                {
                    // Same H.264 frame decoded by the ffmpeg CLI and by OpenCV: equal but for colour-conversion rounding.
                    // Swapped channels or a shifted frame boundary would be far off.
                    using var difference = new Mat();
                    Cv2.Absdiff(frame, reference, difference);
                    Scalar mean = Cv2.Mean(difference);
                    Assert.True(mean.Val0 + mean.Val1 + mean.Val2 < 9, $"the first frame differs from OpenCV's decode by {mean}");
                }

                frames++;
            }
        });

        Assert.Equal(TestClip.FrameCount, frames);
        Assert.Contains("ended", error.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_http_resource_fails_open_with_ffmpegs_reason()
    {
        string url = await StartServerAsync() + "/no-such-stream.ts";
        await using var source = new FfmpegSource(
            new CameraOptions { Id = "http404", Source = url, Width = 320, Height = 240 }, NullLogger.Instance);
        using var cts = new CancellationTokenSource(TestTimeout);
        var error = await Assert.ThrowsAsync<FrameSourceException>(() => source.OpenAsync(cts.Token).AsTask());
        Assert.Contains("404", error.Message, StringComparison.Ordinal);
    }

    private async Task<string> StartServerAsync()
    {
        _server = ExternalProcess.Start(TestData.Python, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", clip.Folder);
        var ready = await _server.WaitForLineAsync(@"port (?<port>\d+)", TimeSpan.FromSeconds(15));
        return "http://127.0.0.1:" + ready.Groups["port"].Value;
    }
}
