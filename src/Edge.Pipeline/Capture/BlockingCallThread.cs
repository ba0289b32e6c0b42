using System.Diagnostics;
using System.Threading.Tasks.Sources;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>
/// Runs blocking native calls (OpenCV open/read) one at a time on a dedicated thread, so the caller can stop
/// waiting when a call hangs. A call that times out or is cancelled abandons the thread: it takes no more work,
/// and once the hung call returns (if ever) it runs <c>onExit</c> there to release the native objects it owns.
/// Steady-state calls allocate nothing: the awaitable, the timer and the token registration are reused.
/// </summary>
internal sealed class BlockingCallThread<T> : IValueTaskSource<T>, IDisposable
{
    private const int Idle = 0;
    private const int Running = 1;
    private const int Abandoned = 2;

    private readonly Thread _thread;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Timer _timer;
    private readonly Action _onExit;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ManualResetValueTaskSourceCore<T> _core = new() { RunContinuationsAsynchronously = true };
    private Func<T>? _work;
    private int _state;
    private int _completed = 1;
    private long _deadline;
    private TimeSpan _timeout;
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;

    public BlockingCallThread(string name, Action onExit)
    {
        _onExit = onExit;
        _timer = new Timer(static s => ((BlockingCallThread<T>)s!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>True once a call timed out or was cancelled, or the thread was disposed: it takes no more work.</summary>
    public bool IsAbandoned => Volatile.Read(ref _state) == Abandoned;

    /// <summary>Completes when the thread has run <c>onExit</c> and ended.</summary>
    public Task Exited => _exited.Task;

    /// <summary>
    /// Runs <paramref name="work"/> on the thread. Throws <see cref="TimeoutException"/> when it has not returned
    /// within <paramref name="timeout"/>, <see cref="OperationCanceledException"/> when cancelled; both abandon the thread.
    /// </summary>
    public ValueTask<T> RunAsync(Func<T> work, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Running, Idle) != Idle)
        {
            throw new InvalidOperationException(IsAbandoned
                ? "The capture thread was abandoned after a call timed out or was cancelled; reopen the source."
                : "Only one call at a time may run on the capture thread.");
        }

        _core.Reset();
        _work = work;
        _timeout = timeout;
        _token = cancellationToken;
        Volatile.Write(ref _completed, 0);
        Volatile.Write(ref _deadline, Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency));
        _timer.Change(timeout, Timeout.InfiniteTimeSpan);
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(static s => ((BlockingCallThread<T>)s!).OnCancelled(), this);
        }

        _wake.Release();
        return new ValueTask<T>(this, _core.Version);
    }

    /// <summary>Abandons the thread; it exits (running <c>onExit</c>) now if idle, or when its current call returns.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _state, Abandoned) != Abandoned)
        {
            _wake.Release();
        }

        if (TryComplete())
        {
            _core.SetException(new ObjectDisposedException(_thread.Name));
        }
    }

    T IValueTaskSource<T>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<T>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<T>.OnCompleted(
        Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void Loop()
    {
        try
        {
            while (true)
            {
                _wake.Wait();
                if (Volatile.Read(ref _state) != Running)
                {
                    return;
                }

                T result = default!;
                Exception? error = null;
                try
                {
                    result = _work!();
                }
#pragma warning disable CA1031 // Any failure of the native call belongs to the awaiting caller.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    error = e;
                }

                // Back to idle before delivering, so the awaiting caller may issue the next call at once.
                bool claimed = TryComplete();
                bool abandoned = Interlocked.CompareExchange(ref _state, Idle, Running) != Running;
                if (claimed)
                {
                    Deliver(result, error);
                }

                if (abandoned)
                {
                    return;
                }
            }
        }
        finally
        {
            _onExit();
            _timer.Dispose();
            _exited.TrySetResult();
        }
    }

    private void Deliver(T result, Exception? error)
    {
        if (error is null)
        {
            _core.SetResult(result);
        }
        else
        {
            _core.SetException(error);
        }
    }

    /// <summary>Claims the current call's completion; exactly one of worker, timer, cancellation or dispose wins.</summary>
    private bool TryComplete()
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return false;
        }

        ChangeTimer(Timeout.InfiniteTimeSpan);
        _registration.Unregister();
        return true;
    }

    private void OnTimer()
    {
        // The timer's clock is coarser than the stopwatch, and a callback armed for an earlier call may fire
        // during a later one: only a passed deadline counts; before it, wait for the rest.
        long remaining = Volatile.Read(ref _deadline) - Stopwatch.GetTimestamp();
        if (remaining > 0)
        {
            if (Volatile.Read(ref _completed) == 0)
            {
                ChangeTimer(TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency) + TimeSpan.FromMilliseconds(1));
            }

            return;
        }

        if (!TryComplete())
        {
            return;
        }

        Volatile.Write(ref _state, Abandoned);
        _core.SetException(new TimeoutException($"The call on {_thread.Name} did not return within {_timeout.TotalMilliseconds:0} ms."));
    }

    private void ChangeTimer(TimeSpan dueTime)
    {
        try
        {
            _timer.Change(dueTime, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The thread ended meanwhile; nothing is left to time out.
        }
    }

    private void OnCancelled()
    {
        if (!TryComplete())
        {
            return;
        }

        Volatile.Write(ref _state, Abandoned);
        _core.SetException(new OperationCanceledException(_token));
    }
}
