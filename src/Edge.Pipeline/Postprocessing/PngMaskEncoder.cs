using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using SegMan.Edge.Pipeline.Models;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Postprocessing;

/// <summary>
/// Encodes a label map as an 8-bit indexed PNG: pixel value = class id, PLTE = the manifest's class colours, so any
/// image viewer shows the coloured mask and any PNG decoder that keeps indices gets the labels back.
/// Rows use the PNG "Up" filter and zlib's run-length strategy, which suits label maps (long runs, rows much like
/// the row above). Scratch buffers are kept between masks; what each mask still allocates is the zlib compressor
/// object (about 250 bytes; .NET has no reusable deflater). One instance per camera (not thread-safe).
/// </summary>
public sealed class PngMaskEncoder : IMaskEncoder
{
    private const byte FilterUp = 2;
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly byte[] _palette = new byte[256 * 3];
    private readonly int _classCount;
    private readonly ScratchStream _compressed = new();
    private readonly ZLibCompressionOptions _compression = new()
    {
        CompressionLevel = 6,
        CompressionStrategy = ZLibCompressionStrategy.RunLengthEncoding,
    };

    private byte[] _filtered = [];

    /// <summary>Ids beyond the classes (e.g. 255, "ignore") are drawn black.</summary>
    public PngMaskEncoder(IReadOnlyList<ClassInfo> classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classes.Count, 256, nameof(classes));
        _classCount = classes.Count;
        for (var i = 0; i < classes.Count; i++)
        {
            var color = classes[i].Color;
            _palette[3 * i] = color[0];
            _palette[(3 * i) + 1] = color[1];
            _palette[(3 * i) + 2] = color[2];
        }
    }

    public MaskFormat Format => MaskFormat.Png;

    public void Encode(ReadOnlySpan<byte> labels, int width, int height, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (labels.Length < width * height)
        {
            throw new ArgumentException($"A {width}x{height} mask needs {width * height} labels, got {labels.Length}.", nameof(labels));
        }

        labels = labels[..(width * height)];
        output.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; // bit depth
        header[9] = 3; // colour type: indexed
        header[10] = 0; // deflate
        header[11] = 0; // adaptive filtering
        header[12] = 0; // not interlaced
        WriteChunk(output, "IHDR"u8, header);

        // Every id that occurs must have a palette entry; the palette stays as short as the classes when it can.
        var entries = labels.ContainsAnyInRange((byte)Math.Min(_classCount, 255), (byte)255) ? 256 : _classCount;
        WriteChunk(output, "PLTE"u8, _palette.AsSpan(0, entries * 3));

        Compress(labels, width, height);
        WriteChunk(output, "IDAT"u8, _compressed.Written);
        WriteChunk(output, "IEND"u8, []);
    }

    private void Compress(ReadOnlySpan<byte> labels, int width, int height)
    {
        var rowBytes = width + 1;
        if (_filtered.Length < rowBytes * height)
        {
            _filtered = new byte[rowBytes * height];
        }

        for (var y = 0; y < height; y++)
        {
            var row = labels.Slice(y * width, width);
            var target = _filtered.AsSpan(y * rowBytes, rowBytes);
            target[0] = FilterUp;
            if (y == 0)
            {
                row.CopyTo(target[1..]);
                continue;
            }

            SubtractRow(row, labels.Slice((y - 1) * width, width), target[1..]);
        }

        _compressed.Reset();
        using var zlib = new ZLibStream(_compressed, _compression, leaveOpen: true);
        zlib.Write(_filtered, 0, rowBytes * height);
    }

    // The "Up" filter: each byte minus the byte above it, modulo 256.
    private static void SubtractRow(ReadOnlySpan<byte> row, ReadOnlySpan<byte> above, Span<byte> target)
    {
        var x = 0;
        for (; x <= row.Length - Vector<byte>.Count; x += Vector<byte>.Count)
        {
            (new Vector<byte>(row[x..]) - new Vector<byte>(above[x..])).CopyTo(target[x..]);
        }

        for (; x < row.Length; x++)
        {
            target[x] = (byte)(row[x] - above[x]);
        }
    }

    private static void WriteChunk(IBufferWriter<byte> output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        var span = output.GetSpan(12 + data.Length);
        BinaryPrimitives.WriteInt32BigEndian(span, data.Length);
        type.CopyTo(span[4..]);
        data.CopyTo(span[8..]);
        var crc = Crc32.Compute(span.Slice(4, 4 + data.Length));
        BinaryPrimitives.WriteUInt32BigEndian(span[(8 + data.Length)..], crc);
        output.Advance(12 + data.Length);
    }
}
