using NSubstitute;
using SegMan.Edge.Pipeline.Publishing;

namespace SegMan.Edge.Agent.Tests.Hosting;

/// <summary>One call of <see cref="IResultPublisher.ReportSourceStateAsync"/>.</summary>
internal sealed record SourceReport(string CameraId, SourceState State, string? Detail);

/// <summary>
/// Records the source states reported to a substitute publisher, lets a test wait until they say what it expects, and
/// optionally makes a report throw (<see cref="Fault"/>), as a broken publisher would.
/// </summary>
internal sealed class SourceStateLog
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private readonly Lock _gate = new();
    private readonly List<SourceReport> _reports = [];
    private readonly List<(Func<IReadOnlyList<SourceReport>, bool> Done, TaskCompletionSource Signal)> _waiters = [];

    public SourceStateLog(IResultPublisher publisher)
    {
        publisher.ReportSourceStateAsync(default!, default, default, default).ReturnsForAnyArgs(call =>
        {
            var report = new SourceReport(call.ArgAt<string>(0), call.ArgAt<SourceState>(1), call.ArgAt<string?>(2));
            Add(report);
            return Fault(report) is { } fault ? throw fault : ValueTask.CompletedTask;
        });
    }

    /// <summary>The exception a report throws after it was recorded; null lets it through.</summary>
    public Func<SourceReport, Exception?> Fault { get; set; } = _ => null;

    public IReadOnlyList<SourceReport> Of(string cameraId)
    {
        lock (_gate)
        {
            return [.. _reports.Where(r => r.CameraId == cameraId)];
        }
    }

    /// <summary>Waits until the reports of <paramref name="cameraId"/> hold <paramref name="count"/> of <paramref name="state"/>.</summary>
    public Task WaitForAsync(string cameraId, SourceState state, int count = 1) =>
        WaitUntilAsync(reports => reports.Count(r => r.CameraId == cameraId && r.State == state) >= count, $"{count} x {state} from {cameraId}");

    private async Task WaitUntilAsync(Func<IReadOnlyList<SourceReport>, bool> done, string what)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (done(_reports))
            {
                return;
            }

            _waiters.Add((done, signal));
        }

        try
        {
            await signal.Task.WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            lock (_gate)
            {
                Assert.Fail($"No {what} within {Patience.TotalSeconds} s; reported: {string.Join(", ", _reports)}");
            }
        }
    }

    private void Add(SourceReport report)
    {
        lock (_gate)
        {
            _reports.Add(report);
            foreach (var waiter in _waiters.Where(w => w.Done(_reports)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Signal.TrySetResult();
            }
        }
    }
}
