using System.Buffers.Binary;

namespace SegMan.Edge.Pipeline.Postprocessing;

/// <summary>Reads SegMan RLE masks (the format is described on <see cref="RleMaskEncoder"/>).</summary>
public static class RleMaskDecoder
{
    /// <summary>Reads the size from the header; throws <see cref="InvalidDataException"/> when it is not SegMan RLE.</summary>
    public static (int Width, int Height) ReadSize(ReadOnlySpan<byte> data)
    {
        if (data.Length < RleMaskEncoder.HeaderSize || !data[..4].SequenceEqual(RleMaskEncoder.Magic))
        {
            throw new InvalidDataException("Not a SegMan RLE mask: the data does not start with 'SRLE'.");
        }

        if (data[4] != RleMaskEncoder.Version)
        {
            throw new InvalidDataException($"SegMan RLE version {data[4]} is not supported (this decoder reads version {RleMaskEncoder.Version}).");
        }

        var width = BinaryPrimitives.ReadUInt32LittleEndian(data[5..]);
        var height = BinaryPrimitives.ReadUInt32LittleEndian(data[9..]);
        if (width is 0 or > int.MaxValue || height is 0 or > int.MaxValue || (long)width * height > int.MaxValue)
        {
            throw new InvalidDataException($"SegMan RLE mask has an impossible size {width}x{height}.");
        }

        return ((int)width, (int)height);
    }

    /// <summary>Decodes into <paramref name="labels"/> (at least width × height long) and returns the size.</summary>
    public static (int Width, int Height) Decode(ReadOnlySpan<byte> data, Span<byte> labels)
    {
        var (width, height) = ReadSize(data);
        var count = width * height;
        if (labels.Length < count)
        {
            throw new ArgumentException($"A {width}x{height} mask needs {count} bytes, the target has {labels.Length}.", nameof(labels));
        }

        var position = 0;
        var offset = RleMaskEncoder.HeaderSize;
        while (offset < data.Length)
        {
            var label = data[offset++];
            var run = ReadVarint(data, ref offset);
            if (run == 0 || run > (ulong)(count - position))
            {
                throw new InvalidDataException($"SegMan RLE mask has a run of {run} at pixel {position} of {count}.");
            }

            labels.Slice(position, (int)run).Fill(label);
            position += (int)run;
        }

        if (position != count)
        {
            throw new InvalidDataException($"SegMan RLE mask ends after {position} of {count} pixels.");
        }

        return (width, height);
    }

    /// <summary>Decodes into a new array.</summary>
    public static byte[] Decode(ReadOnlySpan<byte> data, out int width, out int height)
    {
        (width, height) = ReadSize(data);
        var labels = new byte[width * height];
        Decode(data, labels);
        return labels;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int offset)
    {
        ulong value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            if (offset >= data.Length)
            {
                throw new InvalidDataException("SegMan RLE mask is truncated inside a run length.");
            }

            var b = data[offset++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InvalidDataException("SegMan RLE mask has a run length longer than 5 bytes.");
    }
}
