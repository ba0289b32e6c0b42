using System.Net;
using System.Text;
using System.Text.Json;
using OpenCvSharp;
using SegMan.Edge.Agent.Http;

namespace SegMan.Edge.Agent.Tests.Http;

[Collection(LiveAgentCollection.Name)]
public sealed class CameraEndpointTests(LiveAgentFixture agent)
{
    private static readonly TimeSpan FrameTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Api_lists_every_camera_with_the_coverage_of_its_latest_frame()
    {
        JsonElement front = default;
        await LiveAgentFixture.WaitForAsync(async () =>
        {
            var cameras = await GetCamerasAsync();
            front = cameras.Single(c => c.GetProperty("id").GetString() == "front");
            return cameras.All(c => c.GetProperty("sequence").GetInt64() >= 0);
        }, FrameTimeout, "both cameras to process a frame");

        var coverage = front.GetProperty("coverage").EnumerateArray().ToList();
        Assert.Equal(19, coverage.Count);
        Assert.Equal("road", coverage[0].GetProperty("name").GetString());
        Assert.Equal("#804080", coverage[0].GetProperty("color").GetString());
        var total = coverage.Sum(c => c.GetProperty("fraction").GetDouble());
        Assert.InRange(total, 0.99, 1.01);
        Assert.Equal("streaming", front.GetProperty("source").GetString());
        Assert.Equal("/cameras/front/stream", front.GetProperty("stream").GetString());

        var before = front.GetProperty("sequence").GetInt64();
        await LiveAgentFixture.WaitForAsync(async () =>
            (await GetCamerasAsync()).Single(c => c.GetProperty("id").GetString() == "front").GetProperty("sequence").GetInt64() > before,
            FrameTimeout, "the front camera's sequence to advance");
    }

    [Fact]
    public async Task Snapshot_is_a_jpeg_overlay_of_the_frame_size()
    {
        using var response = await agent.Client.GetAsync(new Uri("/cameras/front/snapshot.jpg", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        using var image = Cv2.ImDecode(bytes, ImreadModes.Color);
        Assert.False(image.Empty(), "OpenCV could not decode the snapshot");
        Assert.Equal(new Size(1024, 512), image.Size());

        // An overlay, not the raw frame: the grey road at the bottom centre is tinted with the road colour (128, 64, 128)
        // at alpha 0.5, so red and blue stand about 32 above green there (raw asphalt has them equal).
        using var road = new Mat(image, new Rect(300, 420, 400, 80));
        var mean = Cv2.Mean(road);
        var (blue, green, red) = (mean.Val0, mean.Val1, mean.Val2);
        Assert.True(red - green > 15 && blue - green > 15, $"road region mean BGR ({blue:F0}, {green:F0}, {red:F0}) is not tinted with the road colour");
    }

    [Fact]
    public async Task Unknown_camera_is_not_found()
    {
        using var response = await agent.Client.GetAsync(new Uri("/cameras/nope/snapshot.jpg", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Stream_delivers_successive_jpeg_parts()
    {
        using var timeout = new CancellationTokenSource(FrameTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/cameras/rear/stream", UriKind.Relative));
        using var response = await agent.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal("multipart/x-mixed-replace", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(CameraEndpoints.Boundary, response.Content.Headers.ContentType?.Parameters.Single(p => p.Name == "boundary").Value);

        await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
        var reader = new MjpegReader(stream, CameraEndpoints.Boundary);
        var sequences = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var (sequence, jpeg) = await reader.ReadPartAsync(timeout.Token);
            using var image = Cv2.ImDecode(jpeg, ImreadModes.Color);
            Assert.Equal(new Size(1024, 512), image.Size());
            sequences.Add(sequence);
        }

        Assert.True(sequences[0] < sequences[1] && sequences[1] < sequences[2], $"sequences {string.Join(", ", sequences)} do not increase");
    }

    [Fact]
    public async Task Page_links_the_script_and_style()
    {
        var page = await agent.Client.GetStringAsync(new Uri("/", UriKind.Relative));
        var script = await agent.Client.GetStringAsync(new Uri("/live.js", UriKind.Relative));

        Assert.Contains("<script src=\"live.js\">", page, StringComparison.Ordinal);
        Assert.Contains("/api/cameras", script, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", page + script, StringComparison.Ordinal);
    }

    private async Task<List<JsonElement>> GetCamerasAsync()
    {
        using var body = JsonDocument.Parse(await agent.Client.GetStringAsync(new Uri("/api/cameras", UriKind.Relative)));
        return [.. body.RootElement.GetProperty("cameras").EnumerateArray().Select(c => c.Clone())];
    }

    /// <summary>Reads <c>multipart/x-mixed-replace</c> parts: boundary line, headers, Content-Length bytes.</summary>
    private sealed class MjpegReader(Stream stream, string boundary)
    {
        public async Task<(long Sequence, byte[] Jpeg)> ReadPartAsync(CancellationToken cancellationToken)
        {
            string line;
            while ((line = await ReadLineAsync(cancellationToken)).Length == 0)
            {
            }

            Assert.Equal($"--{boundary}", line);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            while ((line = await ReadLineAsync(cancellationToken)).Length > 0)
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                headers[line[..colon]] = line[(colon + 1)..].Trim();
            }

            Assert.Equal("image/jpeg", headers["Content-Type"]);
            var jpeg = new byte[int.Parse(headers["Content-Length"], System.Globalization.CultureInfo.InvariantCulture)];
            await stream.ReadExactlyAsync(jpeg, cancellationToken);
            return (long.Parse(headers["X-Frame-Sequence"], System.Globalization.CultureInfo.InvariantCulture), jpeg);
        }

        private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
        {
            var line = new StringBuilder();
            var one = new byte[1];
            while (true)
            {
                await stream.ReadExactlyAsync(one, cancellationToken);
                if (one[0] == '\n')
                {
                    return line.ToString().TrimEnd('\r');
                }

                line.Append((char)one[0]);
            }
        }
    }
}
