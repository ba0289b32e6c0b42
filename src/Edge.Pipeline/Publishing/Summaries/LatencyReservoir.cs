namespace SegMan.Edge.Pipeline.Publishing.Summaries;

/// <summary>
/// A fixed-size uniform sample of latencies (reservoir sampling, algorithm R): exact while a window has
/// fewer values than the capacity, a uniform sample afterwards. Allocates only in its constructor.
/// </summary>
public sealed class LatencyReservoir
{
    private readonly float[] _samples;
    private ulong _random = 0x9E37_79B9_7F4A_7C15;
    private int _count;
    private long _seen;
    private bool _sorted;

    public LatencyReservoir(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _samples = new float[capacity];
    }

    public int Count => _count;

    public void Add(float value)
    {
        _seen++;
        _sorted = false;
        if (_count < _samples.Length)
        {
            _samples[_count++] = value;
            return;
        }

        var slot = (long)(NextRandom() % (ulong)_seen);
        if (slot < _samples.Length)
        {
            _samples[slot] = value;
        }
    }

    /// <summary>The nearest-rank percentile (<paramref name="fraction"/> in [0, 1]); 0 when empty.</summary>
    public float Percentile(double fraction)
    {
        if (_count == 0)
        {
            return 0;
        }

        if (!_sorted)
        {
            Array.Sort(_samples, 0, _count);
            _sorted = true;
        }

        var rank = (int)Math.Ceiling(fraction * _count);
        return _samples[Math.Clamp(rank - 1, 0, _count - 1)];
    }

    public void Clear()
    {
        _count = 0;
        _seen = 0;
        _sorted = false;
    }

    private ulong NextRandom()
    {
        // xorshift64*: cheap, allocation-free, good enough to pick reservoir slots.
        _random ^= _random >> 12;
        _random ^= _random << 25;
        _random ^= _random >> 27;
        return _random * 0x2545_F491_4F6C_DD1D;
    }
}
