using OpenCvSharp;
using SegMan.Edge.Agent.Http;
using SegMan.Edge.Pipeline.Publishing;

namespace SegMan.Edge.Agent.Tests.Http;

public sealed class LiveFrameSlotTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly ManualTimeProvider _time = new();
    private readonly LiveFrameSlot _slot;

    public LiveFrameSlotTests()
    {
        _slot = new LiveFrameSlot("front", TestFrames.Classes, overlayFps: 5, jpegQuality: 90, alpha: 0.5, time: _time);
    }

    [Fact]
    public void Without_viewers_only_the_frame_facts_are_kept()
    {
        using var frame = TestFrames.Create("front");
        for (var i = 0; i < 30; i++)
        {
            frame.Sequence = i;
            _slot.Offer(frame);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        var state = _slot.GetState();
        Assert.Equal(0, _slot.ImageVersion);
        Assert.Equal(29, state.Sequence);
        Assert.Equal([0.5f, 0.5f], state.ClassFractions);
        Assert.Equal(10, state.Fps, precision: 6);
        Assert.Equal(TimeSpan.FromMilliseconds(100), state.FrameAge);
    }

    [Fact]
    public void Before_the_first_frame_the_state_says_so()
    {
        _slot.SetSource(SourceState.Reconnecting, "connection refused");

        var state = _slot.GetState();

        Assert.Equal(-1, state.Sequence);
        Assert.Null(state.FrameAge);
        Assert.Null(state.CapturedAt);
        Assert.Equal(SourceState.Reconnecting, state.Source);
        Assert.Equal("connection refused", state.SourceDetail);
    }

    [Fact]
    public void A_viewer_gets_frames_copied_at_most_at_the_overlay_rate()
    {
        using var frame = TestFrames.Create("front");
        using (_slot.Watch())
        {
            Assert.Equal(1, _slot.Viewers);
            for (var ms = 0; ms < 1000; ms += 10)
            {
                _slot.Offer(frame); // 100 fps offered
                _time.Advance(TimeSpan.FromMilliseconds(10));
            }
        }

        Assert.Equal(5, _slot.ImageVersion);
        Assert.Equal(0, _slot.Viewers);
        for (var i = 0; i < 50; i++)
        {
            _slot.Offer(frame);
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        Assert.Equal(5, _slot.ImageVersion);
    }

    [Fact]
    public void A_camera_slower_than_a_multiple_of_the_overlay_rate_still_gets_it_on_average()
    {
        using var frame = TestFrames.Create("front");
        using var lease = _slot.Watch();
        for (var i = 0; i < 150; i++)
        {
            _slot.Offer(frame); // 15 fps for 10 s, against 5 fps wanted
            _time.Advance(TimeSpan.FromMilliseconds(1000.0 / 15));
        }

        Assert.Equal(50, _slot.ImageVersion);
    }

    [Fact]
    public async Task Viewers_wait_for_a_new_frame_and_share_one_rendering()
    {
        using var frame = TestFrames.Create("front");
        using var first = _slot.Watch();
        using var second = _slot.Watch();
        using var timeout = new CancellationTokenSource(Timeout);

        var waitingA = _slot.NextJpegAsync(_slot.ImageVersion, timeout.Token);
        var waitingB = _slot.NextJpegAsync(_slot.ImageVersion, timeout.Token);
        await Task.Delay(50);
        Assert.False(waitingA.IsCompleted);

        frame.Sequence = 7;
        _slot.Offer(frame);
        var (a, b) = (await waitingA, await waitingB);

        Assert.Same(a.Bytes, b.Bytes);
        Assert.Equal(7, a.Sequence);
        using var image = Cv2.ImDecode(a.Bytes, ImreadModes.Color);
        Assert.Equal(new Size(64, 32), image.Size());

        // Left half road (128, 64, 128) and right half sky (70, 130, 180) blended at 0.5 over grey 100.
        var left = image.At<Vec3b>(16, 8);
        var right = image.At<Vec3b>(16, 56);
        Assert.InRange(left.Item1, 75, 90);   // green: (100 + 64) / 2
        Assert.InRange(left.Item2, 107, 121); // red: (100 + 128) / 2
        Assert.InRange(right.Item0, 133, 147); // blue: (100 + 180) / 2
        Assert.InRange(right.Item2, 78, 92);  // red: (100 + 70) / 2
    }

    [Fact]
    public async Task Waiting_ends_with_cancellation_when_no_frame_comes()
    {
        using var lease = _slot.Watch();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _slot.NextJpegAsync(_slot.ImageVersion, timeout.Token));
    }

    [Fact]
    public void Offering_without_a_viewer_allocates_nothing()
    {
        using var frame = TestFrames.Create("front");
        _slot.Offer(frame);
        _slot.GetState();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            frame.Sequence = i;
            _slot.Offer(frame);
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    public void Dispose() => _slot.Dispose();
}
