using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Publishing.Summaries;

/// <summary>
/// Accumulates one camera's frames into a summary window: class coverage mean/min/max, latency percentiles
/// (from fixed-size reservoirs), source drops, errors and source downtime. Feeding it a frame allocates
/// nothing. Not thread-safe: the owner serialises calls.
/// </summary>
public sealed class SummaryAggregator
{
    public const int DefaultReservoirCapacity = 4096;

    private readonly LatencyReservoir _total;
    private readonly LatencyReservoir _inference;
    private double[] _sum;
    private float[] _min;
    private float[] _max;
    private int _classCount;
    private long _frames;
    private long _errors;
    private long _droppedTotal;
    private long _droppedAtWindowStart;
    private bool _down;
    private DateTimeOffset _downSince;
    private int _outages;
    private int _reconnects;
    private double _downSeconds;
    private DateTimeOffset _windowStart;
    private long _windowIndex;

    public SummaryAggregator(int classCount, DateTimeOffset windowStart, int reservoirCapacity = DefaultReservoirCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(classCount);
        _sum = new double[classCount];
        _min = new float[classCount];
        _max = new float[classCount];
        _total = new LatencyReservoir(reservoirCapacity);
        _inference = new LatencyReservoir(reservoirCapacity);
        _windowStart = windowStart;
        ResetCoverage();
    }

    public DateTimeOffset WindowStart => _windowStart;

    public long Frames => _frames;

    public bool IsSourceDown => _down;

    /// <summary>Adds one processed frame. <paramref name="droppedFramesSoFar"/> is the source's running total.</summary>
    public void AddFrame(long droppedFramesSoFar, in StageTimings timings, ReadOnlySpan<float> classFractions)
    {
        _frames++;
        if (droppedFramesSoFar < _droppedTotal)
        {
            // The source was reopened and started counting again.
            _droppedAtWindowStart -= _droppedTotal;
        }

        _droppedTotal = droppedFramesSoFar;
        _total.Add((float)timings.Total.TotalMilliseconds);
        _inference.Add((float)timings.Inference.TotalMilliseconds);

        if (classFractions.Length > _sum.Length)
        {
            Grow(classFractions.Length);
        }

        _classCount = Math.Max(_classCount, classFractions.Length);
        for (var i = 0; i < _sum.Length; i++)
        {
            var value = i < classFractions.Length ? classFractions[i] : 0f;
            _sum[i] += value;
            _min[i] = Math.Min(_min[i], value);
            _max[i] = Math.Max(_max[i], value);
        }
    }

    /// <summary>Counts a frame that failed in a stage.</summary>
    public void AddError() => _errors++;

    /// <summary>The source stopped delivering (reconnecting, ended, failed); repeated calls extend one outage.</summary>
    public void SourceDown(DateTimeOffset at)
    {
        if (_down)
        {
            return;
        }

        _down = true;
        _downSince = at;
        _outages++;
    }

    /// <summary>The source delivers again.</summary>
    public void SourceUp(DateTimeOffset at)
    {
        if (!_down)
        {
            return;
        }

        _downSeconds += DownWithinWindow(at);
        _down = false;
        _reconnects++;
    }

    /// <summary>Writes the window ending at <paramref name="end"/> into <paramref name="window"/> and starts the next one.</summary>
    public void Close(DateTimeOffset end, SummaryWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        window.EnsureClassCapacity(_classCount);
        window.Index = ++_windowIndex;
        window.Start = _windowStart;
        window.End = end;
        window.Frames = _frames;
        window.ClassCount = _frames == 0 ? 0 : _classCount;
        for (var i = 0; i < window.ClassCount; i++)
        {
            window.CoverageMean[i] = _sum[i] / _frames;
            window.CoverageMin[i] = _min[i];
            window.CoverageMax[i] = _max[i];
        }

        window.TotalLatencyMs = Percentiles(_total);
        window.InferenceLatencyMs = Percentiles(_inference);
        window.DroppedFrames = _droppedTotal - _droppedAtWindowStart;
        window.Errors = _errors;
        window.Outages = _outages;
        window.Reconnects = _reconnects;
        window.DownSeconds = _downSeconds + (_down ? DownWithinWindow(end) : 0);

        _windowStart = end;
        _frames = 0;
        _errors = 0;
        _droppedAtWindowStart = _droppedTotal;
        _outages = 0;
        _reconnects = 0;
        _downSeconds = 0;
        _total.Clear();
        _inference.Clear();
        ResetCoverage();
    }

    private double DownWithinWindow(DateTimeOffset until)
    {
        var from = _downSince > _windowStart ? _downSince : _windowStart;
        return Math.Max(0, (until - from).TotalSeconds);
    }

    private static LatencyPercentiles Percentiles(LatencyReservoir reservoir) =>
        new(reservoir.Percentile(0.50), reservoir.Percentile(0.95), reservoir.Percentile(0.99));

    private void Grow(int classCount)
    {
        var oldLength = _sum.Length;
        Array.Resize(ref _sum, classCount);
        Array.Resize(ref _min, classCount);
        Array.Resize(ref _max, classCount);
        for (var i = oldLength; i < classCount; i++)
        {
            // Frames before this one had no value for the new classes: they count as 0.
            _min[i] = _frames > 1 ? 0f : float.PositiveInfinity;
            _max[i] = 0f;
        }
    }

    private void ResetCoverage()
    {
        _classCount = 0;
        Array.Clear(_sum);
        Array.Fill(_min, float.PositiveInfinity);
        Array.Fill(_max, 0f);
    }
}
