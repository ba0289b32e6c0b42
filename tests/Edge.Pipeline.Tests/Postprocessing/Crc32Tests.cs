using SegMan.Edge.Pipeline.Postprocessing;

namespace SegMan.Edge.Pipeline.Tests.Postprocessing;

public sealed class Crc32Tests
{
    [Fact]
    public void Matches_the_standard_check_value() =>
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));

    [Fact]
    public void Matches_the_crc_of_a_png_iend_chunk() =>
        Assert.Equal(0xAE426082u, Crc32.Compute("IEND"u8));

    [Fact]
    public void Can_continue_over_pieces() =>
        Assert.Equal(Crc32.Compute("123456789"u8), Crc32.Append(Crc32.Compute("1234"u8), "56789"u8));
}
