namespace SegMan.Edge.Pipeline.Running;

/// <summary>A class-id per pixel (row-major, one byte each). The buffer grows once and is then reused.</summary>
public sealed class LabelMap
{
    private byte[] _data = [];

    public int Width { get; private set; }

    public int Height { get; private set; }

    public Span<byte> Data => _data.AsSpan(0, Width * Height);

    /// <summary>Sets the size, reusing the buffer when it is large enough.</summary>
    public void Resize(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        if (_data.Length < width * height)
        {
            _data = new byte[width * height];
        }

        Width = width;
        Height = height;
    }
}
