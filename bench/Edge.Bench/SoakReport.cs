using System.Globalization;
using SegMan.Edge.Pipeline.Publishing.Mqtt;

namespace SegMan.Edge.Bench;

/// <summary>One camera's counters over the whole soak (all pipeline instances, if the supervisor had to restart one).</summary>
internal sealed record CameraTotals(string Id, long Frames, long Dropped, long StageErrors, long Reconnects, int PipelineRestarts);

/// <summary>Process memory at one moment: working set, and the managed heap after a full collection (what is still live).</summary>
internal sealed record MemorySample(long WorkingSetBytes, long ManagedHeapBytes)
{
    public static MemorySample Take()
    {
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        return new MemorySample(Environment.WorkingSet, heap);
    }
}

/// <summary>The soak's closing table.</summary>
internal sealed record SoakReport(
    SoakOptions Options,
    TimeSpan Elapsed,
    int Outages,
    IReadOnlyList<CameraTotals> Cameras,
    Dictionary<string, List<long>> ReceivedWindows,
    long Duplicates,
    MqttPublisherMetrics Publisher,
    MemorySample Minute1,
    MemorySample End)
{
    public long Received => ReceivedWindows.Values.Sum(w => w.Count);

    /// <summary>Summaries written to the spool that neither reached the fleet nor are still waiting on disk.</summary>
    public long Lost => Publisher.SummariesSpooled - Publisher.SpoolCount - Received;

    public void Print(TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine(string.Create(c, $"{"camera",-8} {"frames",8} {"fps",6} {"dropped",8} {"stage errors",12} {"reconnects",10} {"restarts",8} {"summaries",9} {"missing",7}"));
        foreach (var camera in Cameras)
        {
            var windows = ReceivedWindows.GetValueOrDefault(camera.Id) ?? [];
            var missing = windows.Count == 0 ? 0 : windows.Max() - windows.Distinct().Count();
            output.WriteLine(string.Create(c,
                $"{camera.Id,-8} {camera.Frames,8} {camera.Frames / Elapsed.TotalSeconds,6:F2} {camera.Dropped,8} {camera.StageErrors,12} {camera.Reconnects,10} {camera.PipelineRestarts,8} {windows.Count,9} {missing,7}"));
        }

        output.WriteLine();
        output.WriteLine(string.Create(c,
            $"summaries: produced {Publisher.SummariesSpooled}, received {Received} (plus {Duplicates} repeats, discarded), still in spool {Publisher.SpoolCount}, " +
            $"dropped and counted {Publisher.SummariesDropped}; lost {Lost}"));
        output.WriteLine(string.Create(c,
            $"per-frame messages: stats published {Publisher.StatsPublished}, dropped {Publisher.StatsDropped}; masks published {Publisher.MasksPublished}, dropped {Publisher.MasksDropped}"));
        output.WriteLine(string.Create(c,
            $"broker: {Outages} outages of {Options.BrokerDown.TotalSeconds:0} s; agent connects {Publisher.Connects}, connection losses {Publisher.ConnectionLosses}, failed attempts {Publisher.FailedConnectAttempts}"));
        output.WriteLine(string.Create(c,
            $"memory (minute 1 -> end, {Elapsed.TotalMinutes:F1} min): working set {Mib(Minute1.WorkingSetBytes):F1} -> {Mib(End.WorkingSetBytes):F1} MiB ({Mib(End.WorkingSetBytes - Minute1.WorkingSetBytes):+0.0;-0.0} MiB), " +
            $"managed heap after full GC {Mib(Minute1.ManagedHeapBytes):F1} -> {Mib(End.ManagedHeapBytes):F1} MiB ({Mib(End.ManagedHeapBytes - Minute1.ManagedHeapBytes):+0.0;-0.0} MiB)"));
    }

    private static double Mib(long bytes) => bytes / 1048576.0;
}
