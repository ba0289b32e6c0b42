using System.Buffers;
using SegMan.Edge.Pipeline.Postprocessing;

namespace SegMan.Edge.Pipeline.Tests.Postprocessing;

public sealed class RleMaskCodecTests
{
    [Fact]
    public void The_documented_example_encodes_byte_for_byte()
    {
        byte[] labels = [0, 0, 0, 1, 1, 1, 1, 1];

        var encoded = Encode(labels, 4, 2);

        byte[] expected = [(byte)'S', (byte)'R', (byte)'L', (byte)'E', 1, 4, 0, 0, 0, 2, 0, 0, 0, 0, 3, 1, 5];
        Assert.Equal(expected, encoded);
    }

    [Fact]
    public void Long_runs_use_multi_byte_varints()
    {
        var labels = new byte[300 * 100];
        labels.AsSpan(0, 20_000).Fill(7);
        labels.AsSpan(20_000, 130).Fill(2);

        var encoded = Encode(labels, 300, 100);

        // 20000 = 0x4E20 -> A0 9C 01; 130 -> 82 01; 9870 -> 8E 4D
        Assert.Equal([7, 0xA0, 0x9C, 0x01, 2, 0x82, 0x01, 0, 0x8E, 0x4D], encoded[RleMaskEncoder.HeaderSize..]);
        Assert.Equal(labels, RleMaskDecoder.Decode(encoded, out var width, out var height));
        Assert.Equal((300, 100), (width, height));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(17, 5, 2)]
    [InlineData(640, 360, 3)]
    public void Random_label_maps_round_trip(int width, int height, int seed)
    {
        var labels = PngMaskEncoderTests.RandomLabels(width, height, classes: 19, seed: seed);

        var encoded = Encode(labels, width, height);
        var decoded = new byte[width * height];
        var size = RleMaskDecoder.Decode(encoded, decoded);

        Assert.Equal((width, height), size);
        Assert.Equal(labels, decoded);
        Assert.Equal((width, height), RleMaskDecoder.ReadSize(encoded));
    }

    [Fact]
    public void The_decoder_accepts_neighbouring_runs_of_the_same_id()
    {
        byte[] data = [(byte)'S', (byte)'R', (byte)'L', (byte)'E', 1, 2, 0, 0, 0, 1, 0, 0, 0, 4, 1, 4, 1];

        Assert.Equal([4, 4], RleMaskDecoder.Decode(data, out _, out _));
    }

    [Theory]
    [InlineData(new byte[] { (byte)'P', (byte)'N', (byte)'G', 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1 }, "SRLE")]
    [InlineData(new byte[] { (byte)'S', (byte)'R', (byte)'L', (byte)'E', 2, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1 }, "version 2")]
    [InlineData(new byte[] { (byte)'S', (byte)'R', (byte)'L', (byte)'E', 1, 0, 0, 0, 0, 1, 0, 0, 0 }, "impossible size")]
    [InlineData(new byte[] { (byte)'S', (byte)'R', (byte)'L', (byte)'E', 1, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0x81 }, "truncated")]
    [InlineData(new byte[] { (byte)'S', (byte)'R', (byte)'L', (byte)'E', 1, 2, 0, 0, 0, 1, 0, 0, 0, 0, 3 }, "a run of 3")]
    [InlineData(new byte[] { (byte)'S', (byte)'R', (byte)'L', (byte)'E', 1, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0 }, "a run of 0")]
    [InlineData(new byte[] { (byte)'S', (byte)'R', (byte)'L', (byte)'E', 1, 2, 0, 0, 0, 1, 0, 0, 0, 0, 1 }, "ends after 1 of 2")]
    public void Broken_data_is_refused(byte[] data, string expected)
    {
        var ex = Assert.Throws<InvalidDataException>(() => RleMaskDecoder.Decode(data, out _, out _));

        Assert.Contains(expected, ex.Message);
    }

    private static byte[] Encode(byte[] labels, int width, int height)
    {
        var buffer = new ArrayBufferWriter<byte>();
        new RleMaskEncoder().Encode(labels, width, height, buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
