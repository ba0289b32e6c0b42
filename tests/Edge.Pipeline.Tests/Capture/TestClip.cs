namespace SegMan.Edge.Pipeline.Tests.Capture;

/// <summary>
/// A short H.264 clip (testsrc2, 320x240, 10 fps, 20 frames) made with the ffmpeg CLI in a temporary folder,
/// the same frames as MPEG-TS, a corrupt file (random bytes) and a truncated copy of the clip. Shared by the tests of a class.
/// </summary>
public sealed class TestClip : IAsyncLifetime
{
    public const int Width = 320;
    public const int Height = 240;
    public const int Fps = 10;
    public const int FrameCount = 20;

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "segman-capture-" + Guid.NewGuid().ToString("N"));

    public string ClipPath => Path.Combine(Folder, "clip.mp4");

    /// <summary>The same frames in MPEG-TS, which streams over plain HTTP without range requests.</summary>
    public string StreamPath => Path.Combine(Folder, "clip.ts");

    public string CorruptPath => Path.Combine(Folder, "corrupt.mp4");

    public string TruncatedPath => Path.Combine(Folder, "truncated.mp4");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        await ExternalProcess.RunAsync(
            TimeSpan.FromSeconds(30),
            "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", $"testsrc2=size={Width}x{Height}:rate={Fps}",
            "-frames:v", FrameCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "10",
            ClipPath);

        await ExternalProcess.RunAsync(
            TimeSpan.FromSeconds(30),
            "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", ClipPath, "-c", "copy", "-f", "mpegts", StreamPath);

        var random = new Random(1234);
        byte[] noise = new byte[64 * 1024];
        random.NextBytes(noise);
        await File.WriteAllBytesAsync(CorruptPath, noise);

        byte[] clip = await File.ReadAllBytesAsync(ClipPath);
        await File.WriteAllBytesAsync(TruncatedPath, clip[..(clip.Length / 2)]);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }
}
