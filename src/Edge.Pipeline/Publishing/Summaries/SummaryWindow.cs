namespace SegMan.Edge.Pipeline.Publishing.Summaries;

/// <summary>
/// One closed summary window of one camera. Filled in place by <see cref="SummaryAggregator.Close"/>;
/// the arrays are sized once and reused window after window.
/// </summary>
public sealed class SummaryWindow
{
    public SummaryWindow(int classCount)
    {
        CoverageMean = new double[classCount];
        CoverageMin = new float[classCount];
        CoverageMax = new float[classCount];
    }

    /// <summary>Counts windows from 1 since the publisher started, so receivers can spot gaps and repeats.</summary>
    public long Index { get; internal set; }

    public DateTimeOffset Start { get; internal set; }

    public DateTimeOffset End { get; internal set; }

    public long Frames { get; internal set; }

    public double Fps => Frames == 0 ? 0 : Frames / Math.Max((End - Start).TotalSeconds, 1e-3);

    /// <summary>Number of classes seen in this window's class fractions.</summary>
    public int ClassCount { get; internal set; }

    public double[] CoverageMean { get; private set; }

    public float[] CoverageMin { get; private set; }

    public float[] CoverageMax { get; private set; }

    public LatencyPercentiles TotalLatencyMs { get; internal set; }

    public LatencyPercentiles InferenceLatencyMs { get; internal set; }

    /// <summary>Frames the source dropped during the window.</summary>
    public long DroppedFrames { get; internal set; }

    public long Errors { get; internal set; }

    /// <summary>Outages that began in the window.</summary>
    public int Outages { get; internal set; }

    /// <summary>Seconds of the window during which the source was down.</summary>
    public double DownSeconds { get; internal set; }

    /// <summary>Times the source came back in the window.</summary>
    public int Reconnects { get; internal set; }

    public long StatsDropped { get; internal set; }

    public long MasksDropped { get; internal set; }

    /// <summary>Earlier summaries of this camera dropped from the full spool (or refused by the broker).</summary>
    public long SummariesDropped { get; internal set; }

    internal void EnsureClassCapacity(int classCount)
    {
        if (CoverageMean.Length < classCount)
        {
            CoverageMean = new double[classCount];
            CoverageMin = new float[classCount];
            CoverageMax = new float[classCount];
        }
    }
}
