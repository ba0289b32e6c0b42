using System.Diagnostics;
using SegMan.Edge.Pipeline.Capture;

namespace SegMan.Edge.Pipeline.Tests.Capture;

/// <summary>A native call that hangs must never hang the caller.</summary>
public sealed class BlockingCallThreadTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Runs_calls_one_after_another_on_its_own_thread()
    {
        int callerThread = Environment.CurrentManagedThreadId;
        int exits = 0;
        using var thread = new BlockingCallThread<int>("test capture", () => Interlocked.Increment(ref exits));
        int? workerThread = null;
        for (int i = 0; i < 3; i++)
        {
            int value = i;
            Assert.Equal(value * 2, await thread.RunAsync(() =>
            {
                workerThread ??= Environment.CurrentManagedThreadId;
                Assert.Equal(workerThread, Environment.CurrentManagedThreadId);
                return value * 2;
            }, Long, CancellationToken.None));
        }

        Assert.NotEqual(callerThread, workerThread);
        thread.Dispose();
        await thread.Exited.WaitAsync(Long);
        Assert.Equal(1, exits);
    }

    [Fact]
    public async Task A_hung_call_times_out_and_releases_its_resources_when_it_returns()
    {
        using var release = new ManualResetEventSlim();
        int exits = 0;
        using var thread = new BlockingCallThread<int>("hung capture", () => Interlocked.Increment(ref exits));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAsync<TimeoutException>(async () => await thread.RunAsync(() =>
        {
            release.Wait(Long);
            return 1;
        }, TimeSpan.FromMilliseconds(200), CancellationToken.None));

        Assert.InRange(clock.ElapsedMilliseconds, 150, 3000);
        Assert.True(thread.IsAbandoned);
        Assert.Throws<InvalidOperationException>(() => thread.RunAsync(() => 2, Long, CancellationToken.None));
        Assert.Equal(0, Volatile.Read(ref exits));

        release.Set();
        await thread.Exited.WaitAsync(Long);
        Assert.Equal(1, exits);
    }

    [Fact]
    public async Task Cancellation_returns_at_once_and_abandons_the_thread()
    {
        using var release = new ManualResetEventSlim();
        using var thread = new BlockingCallThread<int>("cancelled capture", () => { });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await thread.RunAsync(() =>
        {
            release.Wait(Long);
            return 1;
        }, Long, cts.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3));
        Assert.True(thread.IsAbandoned);
        release.Set();
        await thread.Exited.WaitAsync(Long);
    }

    [Fact]
    public async Task Exceptions_of_the_call_reach_the_caller()
    {
        using var thread = new BlockingCallThread<int>("failing capture", () => { });
        var error = await Assert.ThrowsAsync<InvalidDataException>(async () =>
            await thread.RunAsync(() => throw new InvalidDataException("bad frame"), Long, CancellationToken.None));
        Assert.Equal("bad frame", error.Message);
        Assert.False(thread.IsAbandoned);
        Assert.Equal(5, await thread.RunAsync(() => 5, Long, CancellationToken.None));
    }
}
