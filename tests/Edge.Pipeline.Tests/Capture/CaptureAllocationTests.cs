using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using SegMan.Edge.Pipeline.Capture;
using Xunit.Abstractions;

namespace SegMan.Edge.Pipeline.Tests.Capture;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "Capture allocations";
}

/// <summary>
/// The steady state of reading frames allocates (almost) nothing. Measured over the whole process, so the
/// class runs alone; the bound is loose against runtime noise but far below a per-frame buffer.
/// </summary>
[Collection(AllocationCollection.Name)]
public sealed class CaptureAllocationTests(ITestOutputHelper output, TestClip clip) : IClassFixture<TestClip>
{
    private const int WarmUpFrames = 30;
    private const int MeasuredFrames = 100;
    private const double MaxBytesPerFrame = 1024;

    [Fact]
    public async Task Reading_a_file_allocates_almost_nothing_per_frame()
    {
        await using var source = new OpenCvSource(
            new CameraOptions { Id = "alloc", Source = clip.ClipPath, Loop = true, RealTime = false }, NullLogger.Instance);
        double perFrame = await MeasureAsync(source);
        output.WriteLine($"OpenCvSource (file): {perFrame:0} bytes allocated per frame");
        Assert.True(perFrame < MaxBytesPerFrame, $"{perFrame:0} bytes per frame");
    }

    [Fact]
    public async Task Reading_an_rtsp_stream_allocates_almost_nothing_per_frame()
    {
        using RtspTestServer server = await RtspTestServer.StartAsync(fps: 30);
        await using var source = new FfmpegSource(new CameraOptions { Id = "alloc", Source = server.Url }, NullLogger.Instance);
        double perFrame = await MeasureAsync(source);
        output.WriteLine($"FfmpegSource (rtsp): {perFrame:0} bytes allocated per frame");
        Assert.True(perFrame < MaxBytesPerFrame, $"{perFrame:0} bytes per frame");
    }

    /// <summary>Reads on the thread pool, as the pipeline runner does (no test synchronisation context in the loop).</summary>
    private static Task<double> MeasureAsync(IFrameSource source) => Task.Run(async () =>
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await source.OpenAsync(cts.Token);
        using var frame = new Mat();
        for (int i = 0; i < WarmUpFrames; i++)
        {
            Assert.True(await source.ReadAsync(frame, cts.Token));
        }

        long before = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < MeasuredFrames; i++)
        {
            Assert.True(await source.ReadAsync(frame, cts.Token));
        }

        return (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)MeasuredFrames;
    });
}
