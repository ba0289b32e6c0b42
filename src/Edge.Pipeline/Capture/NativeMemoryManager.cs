using System.Buffers;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>
/// Exposes native memory (an OpenCV image's pixels) as <see cref="Memory{T}"/> so async stream reads can fill it
/// in place. One instance is re-pointed per frame instead of allocating a new one.
/// </summary>
internal sealed unsafe class NativeMemoryManager : MemoryManager<byte>
{
    private byte* _pointer;
    private int _length;

    public Memory<byte> Wrap(IntPtr pointer, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _pointer = (byte*)pointer;
        _length = length;
        return Memory;
    }

    public override Span<byte> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _length);
        return new MemoryHandle(_pointer + elementIndex);
    }

    public override void Unpin()
    {
        // Native memory does not move.
    }

    protected override void Dispose(bool disposing)
    {
        _pointer = null;
        _length = 0;
    }
}
