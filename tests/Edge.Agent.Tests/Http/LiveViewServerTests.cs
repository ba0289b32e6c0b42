using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Agent.Hosting;
using SegMan.Edge.Agent.Http;
using SegMan.Edge.Pipeline.Capture;
using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Postprocessing;

namespace SegMan.Edge.Agent.Tests.Http;

/// <summary>The web endpoint's lifetime without a running pipeline: off means no port, on means one, a taken port is a clear error.</summary>
public sealed class LiveViewServerTests : IAsyncDisposable
{
    private readonly ModelRuntime _model = new(Options.Create(new InferenceOptions { Path = "unused.onnx" }), NullLoggerFactory.Instance);
    private readonly List<LiveViewServer> _servers = [];

    [Fact]
    public async Task Disabled_opens_no_port()
    {
        var port = FreeTcpPort();
        var server = Create(new HttpOptions { Enabled = false, Urls = $"http://127.0.0.1:{port}" });

        await server.StartAsync(CancellationToken.None);

        Assert.Empty(server.Addresses);
        using var client = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, port));
    }

    [Fact]
    public async Task Enabled_listens_and_answers_healthz()
    {
        var server = Create(new HttpOptions { Enabled = true, Urls = "http://127.0.0.1:0" });

        await server.StartAsync(CancellationToken.None);

        var address = Assert.Single(server.Addresses);
        Assert.NotEqual(0, address.Port);
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal("""{"status":"alive"}""", await http.GetStringAsync(new Uri("/healthz", UriKind.Relative)));

        await server.StopAsync(CancellationToken.None);
        using var client = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, address.Port));
    }

    [Fact]
    public async Task A_taken_port_fails_start_naming_the_key()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var server = Create(new HttpOptions { Enabled = true, Urls = $"http://127.0.0.1:{port}" });

        var error = await Assert.ThrowsAsync<IOException>(() => server.StartAsync(CancellationToken.None));

        Assert.StartsWith($"SegMan:Http:Urls 'http://127.0.0.1:{port}' cannot be served", error.Message, StringComparison.Ordinal);
        Assert.Contains("SegMan:Http:Enabled=false", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopping_ends_open_streams_at_once()
    {
        var paths = AgentPaths.Discover(null, Environment.CurrentDirectory, AppContext.BaseDirectory);
        using var model = new ModelRuntime(Options.Create(new InferenceOptions { Path = paths.Resolve("models/baseline-palette.onnx")! }), NullLoggerFactory.Instance);
        _ = model.Segmenter;     // cameras and their streams exist once the model is loaded
        var server = Create(new HttpOptions { Enabled = true, Urls = "http://127.0.0.1:0" }, model, "front");
        await server.StartAsync(CancellationToken.None);
        using var http = new HttpClient { BaseAddress = server.Addresses[0], Timeout = TimeSpan.FromSeconds(10) };

        // No frame ever comes: the stream stays open, waiting.
        using var response = await http.GetAsync(new Uri("/cameras/front/stream", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("multipart/x-mixed-replace", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync();
        var reading = body.ReadAsync(new byte[1]).AsTask();

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            await server.StopAsync(timeout.Token);
        }

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"stopping took {stopwatch.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(0, await reading.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.StopAsync(CancellationToken.None);
            await server.DisposeAsync();
        }

        _model.Dispose();
    }

    private LiveViewServer Create(HttpOptions options, ModelRuntime? model = null, params string[] cameras)
    {
        model ??= _model;
        var environment = new HostingEnvironment { ApplicationName = "segman-edge", EnvironmentName = "Production", ContentRootPath = AppContext.BaseDirectory };
        var agent = new AgentOptions { Cameras = [.. cameras.Select(id => new CameraOptions { Id = id, Source = $"{id}.mp4" })] };
        var live = new LiveFrames(Options.Create(agent), Options.Create(options), Options.Create(new MaskOptions()), model);
        var server = new LiveViewServer(Options.Create(options), environment, NullLoggerFactory.Instance, live, new PipelineRegistry(), model, Substitute.For<HealthCheckService>());
        _servers.Add(server);
        return server;
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
