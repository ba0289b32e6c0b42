using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using OpenCvSharp;
using SegMan.Edge.Pipeline.Models;
using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Tests.Postprocessing;

public sealed class PngMaskEncoderTests
{
    private static readonly ClassInfo[] Classes =
    [
        new(0, "road", [128, 64, 128]),
        new(1, "car", [0, 0, 142]),
        new(2, "sky", [70, 130, 180]),
        new(3, "person", [220, 20, 60]),
    ];

    [Fact]
    public void OpenCV_decodes_the_mask_to_the_class_colours_at_its_size()
    {
        var labels = RandomLabels(13, 7, classes: 4, seed: 1);

        var png = Encode(labels, 13, 7);
        using var decoded = Cv2.ImDecode(png, ImreadModes.Unchanged);

        Assert.Equal(13, decoded.Cols);
        Assert.Equal(7, decoded.Rows);
        Assert.Equal(MatType.CV_8UC3, decoded.Type());
        for (var y = 0; y < 7; y++)
        {
            for (var x = 0; x < 13; x++)
            {
                var color = Classes[labels[(y * 13) + x]].Color;
                Assert.Equal(new Vec3b(color[2], color[1], color[0]), decoded.At<Vec3b>(y, x));
            }
        }
    }

    [Fact]
    public void The_image_data_holds_the_class_ids_and_the_palette_the_class_colours()
    {
        var labels = RandomLabels(300, 41, classes: 4, seed: 2);

        var chunks = Chunks(Encode(labels, 300, 41));

        Assert.Equal(["IHDR", "PLTE", "IDAT", "IEND"], chunks.Select(c => c.Type));
        var header = chunks[0].Data;
        Assert.Equal(300, BinaryPrimitives.ReadInt32BigEndian(header));
        Assert.Equal(41, BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4)));
        Assert.Equal([8, 3, 0, 0, 0], header[8..]);
        Assert.Equal(Classes.SelectMany(c => c.Color).ToArray(), chunks[1].Data);
        Assert.Equal(labels, Unfilter(Inflate(chunks[2].Data), 300, 41));
    }

    [Fact]
    public void Ids_beyond_the_classes_get_a_full_palette_and_decode_black()
    {
        var labels = new byte[] { 0, 255, 1, 200, 3, 2 };

        var png = Encode(labels, 3, 2);
        var palette = Chunks(png)[1].Data;
        using var decoded = Cv2.ImDecode(png, ImreadModes.Unchanged);

        Assert.Equal(256 * 3, palette.Length);
        Assert.Equal(new Vec3b(0, 0, 0), decoded.At<Vec3b>(0, 1));
        Assert.Equal(new Vec3b(0, 0, 0), decoded.At<Vec3b>(1, 0));
        Assert.Equal(new Vec3b(142, 0, 0), decoded.At<Vec3b>(0, 2));
    }

    [Fact]
    public void Encoding_again_into_a_reset_buffer_gives_the_same_bytes()
    {
        var encoder = new PngMaskEncoder(Classes);
        var buffer = new ArrayBufferWriter<byte>();
        var first = RandomLabels(64, 32, classes: 4, seed: 3);
        var second = RandomLabels(64, 32, classes: 4, seed: 4);

        encoder.Encode(first, 64, 32, buffer);
        var once = buffer.WrittenSpan.ToArray();
        buffer.ResetWrittenCount();
        encoder.Encode(second, 64, 32, buffer);
        buffer.ResetWrittenCount();
        encoder.Encode(first, 64, 32, buffer);

        Assert.Equal(once, buffer.WrittenSpan.ToArray());
    }

    [Fact]
    public void A_label_map_with_large_regions_compresses_well()
    {
        var labels = new byte[512 * 256];
        for (var y = 0; y < 256; y++)
        {
            labels.AsSpan(y * 512, 512).Fill((byte)(y < 100 ? 2 : 0));
            labels.AsSpan((y * 512) + 200, 50).Fill(1);
        }

        var png = Encode(labels, 512, 256);

        Assert.True(png.Length < 1024, $"{png.Length} bytes");
    }

    [Fact]
    public void Too_few_labels_are_refused()
    {
        var encoder = new PngMaskEncoder(Classes);

        Assert.Throws<ArgumentException>(() => encoder.Encode(new byte[5], 3, 2, new ArrayBufferWriter<byte>()));
    }

    internal static byte[] RandomLabels(int width, int height, int classes, int seed)
    {
        // Blocky regions (as a segmenter gives), with a sprinkle of single pixels.
        var random = new Random(seed);
        var labels = new byte[width * height];
        for (var i = 0; i < labels.Length; i++)
        {
            var x = i % width;
            var y = i / width;
            labels[i] = random.Next(10) == 0 ? (byte)random.Next(classes) : (byte)(((x / 5) + (y / 3)) % classes);
        }

        return labels;
    }

    private static byte[] Encode(byte[] labels, int width, int height)
    {
        var buffer = new ArrayBufferWriter<byte>();
        new PngMaskEncoder(Classes).Encode(labels, width, height, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static List<(string Type, byte[] Data)> Chunks(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        var chunks = new List<(string, byte[])>();
        for (var offset = 8; offset < png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            var type = System.Text.Encoding.ASCII.GetString(png, offset + 4, 4);
            chunks.Add((type, png.AsSpan(offset + 8, length).ToArray()));
            offset += 12 + length;
        }

        return chunks;
    }

    private static byte[] Inflate(byte[] data)
    {
        using var input = new MemoryStream(data);
        using var zlib = new ZLibStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        zlib.CopyTo(output);
        return output.ToArray();
    }

    private static byte[] Unfilter(byte[] raw, int width, int height)
    {
        Assert.Equal((width + 1) * height, raw.Length);
        var labels = new byte[width * height];
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (width + 1)];
            for (var x = 0; x < width; x++)
            {
                var value = raw[(y * (width + 1)) + 1 + x];
                var above = y > 0 ? labels[((y - 1) * width) + x] : (byte)0;
                labels[(y * width) + x] = filter switch
                {
                    0 => value,
                    2 => (byte)(value + above),
                    _ => throw new InvalidDataException($"unexpected filter {filter}"),
                };
            }
        }

        return labels;
    }
}
