using SegMan.Edge.Agent.Http;

namespace SegMan.Edge.Agent.Tests.Http;

public sealed class HttpOptionsValidatorTests
{
    private readonly HttpOptionsValidator _validator = new();

    [Fact]
    public void Defaults_are_valid_and_off()
    {
        var options = new HttpOptions();

        Assert.False(options.Enabled);
        Assert.Equal("http://127.0.0.1:8080", options.Urls);
        Assert.True(_validator.Validate(null, options).Succeeded);
        Assert.True(_validator.Validate(null, new HttpOptions { Enabled = true, Urls = "http://0.0.0.0:9000; http://[::1]:9000" }).Succeeded);
        Assert.True(_validator.Validate(null, new HttpOptions { Enabled = true, Urls = "http://*:9000" }).Succeeded);
    }

    [Theory]
    [InlineData("", "SegMan:Http:Urls is empty")]
    [InlineData("https://127.0.0.1:8443", "SegMan:Http:Urls has 'https://127.0.0.1:8443'")]
    [InlineData("127.0.0.1:8080", "SegMan:Http:Urls has '127.0.0.1:8080'")]
    public void Bad_urls_name_the_key(string urls, string message)
    {
        var result = _validator.Validate(null, new HttpOptions { Enabled = true, Urls = urls });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Urls_are_not_checked_while_disabled() =>
        Assert.True(_validator.Validate(null, new HttpOptions { Enabled = false, Urls = "" }).Succeeded);

    [Theory]
    [InlineData(0, 80, 10, "SegMan:Http:OverlayFps is 0")]
    [InlineData(31, 80, 10, "SegMan:Http:OverlayFps is 31")]
    [InlineData(5, 0, 10, "SegMan:Http:JpegQuality is 0")]
    [InlineData(5, 101, 10, "SegMan:Http:JpegQuality is 101")]
    [InlineData(5, 80, 0, "SegMan:Http:ReadyFrameAgeSeconds is 0")]
    public void Out_of_range_values_name_the_key(double fps, int quality, double readyAge, string message)
    {
        var result = _validator.Validate(null, new HttpOptions { OverlayFps = fps, JpegQuality = quality, ReadyFrameAgeSeconds = readyAge });

        Assert.Contains(result.Failures!, f => f.StartsWith(message, StringComparison.Ordinal));
    }
}
