using System.Buffers;
using System.Buffers.Binary;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Postprocessing;

/// <summary>
/// Encodes a label map as SegMan RLE (content type <c>application/x-segman-rle</c>), a compact row-major
/// run-length code. Byte layout:
/// <list type="table">
/// <item><term>0–3</term><description>magic, ASCII <c>SRLE</c> (0x53 0x52 0x4C 0x45)</description></item>
/// <item><term>4</term><description>format version, 1</description></item>
/// <item><term>5–8</term><description>width in pixels, uint32 little-endian</description></item>
/// <item><term>9–12</term><description>height in pixels, uint32 little-endian</description></item>
/// <item><term>13–</term><description>runs until the end: a class id (1 byte) then the run length as an unsigned
/// LEB128 varint (7 bits per byte, least significant group first, high bit set on every byte but the last), ≥ 1</description></item>
/// </list>
/// Runs follow the pixels in row-major order and may continue across rows; the lengths add up to width × height
/// exactly. Two neighbouring runs may carry the same id (decoders must accept that); this encoder never emits them.
/// Example: a 4×2 map <c>0 0 0 1 / 1 1 1 1</c> is <c>SRLE 01 04000000 02000000 00 03 01 05</c>.
/// <see cref="RleMaskDecoder"/> reads it back.
/// </summary>
public sealed class RleMaskEncoder : IMaskEncoder
{
    public const byte Version = 1;
    public const int HeaderSize = 13;

    /// <summary>The magic bytes at the start of every mask.</summary>
    public static ReadOnlySpan<byte> Magic => "SRLE"u8;

    public MaskFormat Format => MaskFormat.Rle;

    public void Encode(ReadOnlySpan<byte> labels, int width, int height, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var count = width * height;
        if (labels.Length < count)
        {
            throw new ArgumentException($"A {width}x{height} mask needs {count} labels, got {labels.Length}.", nameof(labels));
        }

        labels = labels[..count];
        var header = output.GetSpan(HeaderSize);
        Magic.CopyTo(header);
        header[4] = Version;
        BinaryPrimitives.WriteUInt32LittleEndian(header[5..], (uint)width);
        BinaryPrimitives.WriteUInt32LittleEndian(header[9..], (uint)height);
        output.Advance(HeaderSize);

        var position = 0;
        while (position < labels.Length)
        {
            var label = labels[position];
            var rest = labels[position..];
            var run = rest.IndexOfAnyExcept(label);
            if (run < 0)
            {
                run = rest.Length;
            }

            WriteRun(output, label, (uint)run);
            position += run;
        }
    }

    private static void WriteRun(IBufferWriter<byte> output, byte label, uint length)
    {
        var span = output.GetSpan(6);
        span[0] = label;
        var written = 1;
        while (length >= 0x80)
        {
            span[written++] = (byte)(length | 0x80);
            length >>= 7;
        }

        span[written++] = (byte)length;
        output.Advance(written);
    }
}
