using System.Text.Json.Nodes;
using OpenCvSharp;

namespace SegMan.Edge.Agent.Tests.Http;

/// <summary>Loads the live view in headless Chromium: the overlay streams update and the charts name every class.</summary>
[Collection(LiveAgentCollection.Name)]
public sealed class ChromiumLiveViewTests(LiveAgentFixture agent)
{
    private static readonly TimeSpan PageTimeout = TimeSpan.FromSeconds(30);

    // Draws the camera's <img> (the MJPEG stream's current frame) into a small canvas and hashes the pixels.
    private static string FrameHash(string camera) => $$"""
        (() => {
          const img = document.querySelector('section.camera[data-camera="{{camera}}"] img');
          if (!img || !img.complete || img.naturalWidth === 0) return null;
          const canvas = document.createElement('canvas');
          canvas.width = 128; canvas.height = 64;
          const context = canvas.getContext('2d');
          context.drawImage(img, 0, 0, canvas.width, canvas.height);
          const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
          let hash = 0;
          for (let i = 0; i < pixels.length; i++) hash = (Math.imul(hash, 31) + pixels[i]) >>> 0;
          return [img.naturalWidth, img.naturalHeight, hash];
        })()
        """;

    [Fact]
    public async Task Live_view_streams_every_camera_and_charts_the_classes()
    {
        await using var browser = await HeadlessChromium.OpenAsync(agent.BaseAddress, 1400, 860);

        await WaitForPageAsync(browser, "window.segmanLive && window.segmanLive.updates >= 4 && document.querySelectorAll('section.camera').length === 2",
            "both camera cards and a few refreshes");

        var expected = await ClassNamesAsync();
        foreach (var camera in LiveAgentFixture.CameraIds)
        {
            var labels = await browser.EvaluateAsync(
                $$"""[...document.querySelectorAll('section.camera[data-camera="{{camera}}"] svg.chart text:not(.value)')].map(t => t.textContent)""");
            Assert.Equal(expected, labels!.AsArray().Select(n => n!.GetValue<string>()));

            var widths = await browser.EvaluateAsync(
                $$"""[...document.querySelectorAll('section.camera[data-camera="{{camera}}"] svg.chart rect.bar')].map(r => Number(r.getAttribute('width')))""");
            Assert.Contains(widths!.AsArray(), w => w!.GetValue<double>() > 10);

            // The stream's frames change: two hashes of the drawn image differ within the timeout.
            JsonNode? first = null;
            await WaitForPageAsync(browser, FrameHash(camera), $"the first frame of {camera}", value => (first = value) is not null);
            Assert.Equal(1024, first![0]!.GetValue<int>());
            Assert.Equal(512, first[1]!.GetValue<int>());
            await WaitForPageAsync(browser, FrameHash(camera), $"a new frame of {camera}",
                value => value is not null && value[2]!.GetValue<uint>() != first[2]!.GetValue<uint>());
        }

        var updates = (await browser.EvaluateAsync("window.segmanLive.updates"))!.GetValue<int>();
        await WaitForPageAsync(browser, "window.segmanLive.updates", "the page's refresh counter to grow", value => value!.GetValue<int>() > updates);

        var screenshot = await browser.ScreenshotAsync();
        using var image = Cv2.ImDecode(screenshot, ImreadModes.Color);
        Assert.Equal(new Size(1400, 860), image.Size());
        var folder = Path.Combine(agent.Paths.ContentRoot, "artifacts", "test");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, "live-view.png"), screenshot);
    }

    private async Task<List<string>> ClassNamesAsync()
    {
        var body = JsonNode.Parse(await agent.Client.GetStringAsync(new Uri("/api/cameras", UriKind.Relative)))!;
        return [.. body["cameras"]![0]!["coverage"]!.AsArray().Select(c => c!["name"]!.GetValue<string>())];
    }

    private static Task WaitForPageAsync(HeadlessChromium browser, string expression, string what, Func<JsonNode?, bool>? accept = null)
    {
        accept ??= value => value?.GetValue<bool>() == true;
        return LiveAgentFixture.WaitForAsync(async () => accept(await browser.EvaluateAsync(expression)), PageTimeout, what);
    }
}
