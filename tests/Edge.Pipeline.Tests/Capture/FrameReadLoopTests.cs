using OpenCvSharp;
using SegMan.Edge.Pipeline.Capture;

namespace SegMan.Edge.Pipeline.Tests.Capture;

/// <summary>The empty-frame, end-of-file and looping policy, driven by a scripted device.</summary>
public sealed class FrameReadLoopTests
{
    [Fact]
    public void A_live_source_skips_and_counts_empty_frames()
    {
        // Failed grab, grabbed-but-undecodable, decoded-but-empty, then a good frame.
        var device = new ScriptedDevice(Step.FailGrab, Step.FailRetrieve, Step.Empty, Step.Good);
        var loop = new FrameReadLoop(isLive: true, loop: false, TimeSpan.FromSeconds(5), maxFps: 0);
        using var frame = new Mat();

        Assert.Equal(CaptureOutcome.Ok, loop.Read(device, frame, () => false));
        Assert.False(frame.Empty());
        Assert.Equal(3, loop.EmptyFrames);
    }

    [Fact]
    public void A_live_source_with_only_empty_frames_fails_at_the_read_timeout()
    {
        var device = new ScriptedDevice(Enumerable.Repeat(Step.FailGrab, 10_000).ToArray());
        var loop = new FrameReadLoop(isLive: true, loop: false, TimeSpan.FromMilliseconds(200), maxFps: 0);
        using var frame = new Mat();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        Assert.Equal(CaptureOutcome.Failed, loop.Read(device, frame, () => false));
        Assert.InRange(clock.ElapsedMilliseconds, 190, 3000);
        Assert.True(loop.EmptyFrames > 3);
        Assert.Contains("empty or failed reads", loop.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_ends_at_its_last_frame_but_skips_empty_decodes()
    {
        var device = new ScriptedDevice(Step.Good, Step.Empty, Step.Good, Step.FailGrab);
        var loop = new FrameReadLoop(isLive: false, loop: false, TimeSpan.FromSeconds(5), maxFps: 0);
        using var frame = new Mat();

        Assert.Equal(CaptureOutcome.Ok, loop.Read(device, frame, () => false));
        Assert.Equal(CaptureOutcome.Ok, loop.Read(device, frame, () => false));
        Assert.Equal(CaptureOutcome.EndOfStream, loop.Read(device, frame, () => false));
        Assert.Equal(1, loop.EmptyFrames);
        Assert.Equal(0, device.Rewinds);
    }

    [Fact]
    public void A_looping_file_rewinds_once_and_fails_when_the_start_gives_nothing()
    {
        var device = new ScriptedDevice(Step.Good, Step.FailGrab, Step.Good, Step.FailGrab, Step.FailGrab);
        var loop = new FrameReadLoop(isLive: false, loop: true, TimeSpan.FromSeconds(5), maxFps: 0);
        using var frame = new Mat();

        Assert.Equal(CaptureOutcome.Ok, loop.Read(device, frame, () => false));
        Assert.Equal(CaptureOutcome.Ok, loop.Read(device, frame, () => false));
        Assert.Equal(1, loop.Rewinds);
        Assert.Equal(CaptureOutcome.Failed, loop.Read(device, frame, () => false));
        Assert.Equal("no frame after going back to the start", loop.FailureReason);
    }

    [Fact]
    public void An_abandoned_read_stops()
    {
        var device = new ScriptedDevice(Enumerable.Repeat(Step.FailGrab, 10_000).ToArray());
        var loop = new FrameReadLoop(isLive: true, loop: false, TimeSpan.FromSeconds(30), maxFps: 0);
        using var frame = new Mat();
        int checks = 0;

        Assert.Equal(CaptureOutcome.Failed, loop.Read(device, frame, () => ++checks > 3));
        Assert.Equal("the read was abandoned", loop.FailureReason);
    }

    private enum Step
    {
        Good,
        Empty,
        FailGrab,
        FailRetrieve,
    }

    private sealed class ScriptedDevice(params Step[] steps) : ICaptureDevice
    {
        private int _next;

        public int Rewinds { get; private set; }

        private Step Current => steps[Math.Min(_next, steps.Length - 1)];

        public bool Grab()
        {
            if (Current == Step.FailGrab)
            {
                _next++;
                return false;
            }

            return true;
        }

        public bool Retrieve(Mat frame)
        {
            Step step = Current;
            _next++;
            switch (step)
            {
                case Step.Good:
                    frame.Create(4, 4, MatType.CV_8UC3);
                    frame.SetTo(Scalar.All(9));
                    return true;
                case Step.Empty:
                    using (var empty = new Mat())
                    {
                        empty.CopyTo(frame);
                    }

                    return true;
                default:
                    return false;
            }
        }

        public bool Rewind()
        {
            Rewinds++;
            return true;
        }
    }
}
