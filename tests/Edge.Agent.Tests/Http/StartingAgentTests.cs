using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Agent.Hosting;
using SegMan.Edge.Agent.Http;
using SegMan.Edge.Agent.Tests.Hosting;
using SegMan.Edge.Pipeline.Inference;

namespace SegMan.Edge.Agent.Tests.Http;

/// <summary>
/// A model load that takes long (a TensorRT engine build: minutes) must not leave the agent silent: its web endpoint
/// answers from the start, <c>/healthz</c> alive and <c>/readyz</c> "starting: loading the model".
/// </summary>
[Collection(SeparateAgentsCollection.Name)]
public sealed class StartingAgentTests : IAsyncDisposable
{
    private readonly ManualResetEventSlim _release = new();
    private readonly string _spool = Path.Combine(Path.GetTempPath(), $"segman-starting-tests-{Guid.NewGuid():N}");
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(15) };
    private IHost? _host;

    [Fact(Timeout = 120_000)]
    public async Task While_the_model_loads_the_endpoint_answers_alive_and_starting_then_ready()
    {
        var paths = AgentPaths.Discover(null, Environment.CurrentDirectory, AppContext.BaseDirectory);
        _host = AgentHost.Build(paths, Overrides(), services => services.AddSingleton(provider => new ModelRuntime(
            provider.GetRequiredService<IOptions<InferenceOptions>>(),
            provider.GetRequiredService<ILoggerFactory>(),
            (options, loggers) =>
            {
                // The load lasts until the test has seen the endpoint answer during it.
                _release.Wait(TimeSpan.FromSeconds(60));
                return OnnxSegmenter.Create(options, loggers);
            },
            ModelRuntime.DefaultProgressInterval)));
        var starting = AgentHost.StartAsync(_host);
        var web = _host.Services.GetRequiredService<LiveViewServer>();
        await LiveAgentFixture.WaitForAsync(() => Task.FromResult(web.Addresses.Count > 0), TimeSpan.FromSeconds(30), "the web endpoint to listen");
        _client.BaseAddress = web.Addresses[0];

        using (var alive = await _client.GetAsync(new Uri("/healthz", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        }

        using (var ready = await _client.GetAsync(new Uri("/readyz", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            using var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
            var model = body.RootElement.GetProperty("checks").GetProperty("model");
            Assert.False(model.GetProperty("ready").GetBoolean());
            Assert.StartsWith("starting: loading the model", model.GetProperty("description").GetString(), StringComparison.Ordinal);
            Assert.Equal("loading", model.GetProperty("data").GetProperty("state").GetString());
        }

        using (var cameras = await _client.GetAsync(new Uri("/api/cameras", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, cameras.StatusCode);
            Assert.Contains("still loading", await cameras.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The page says the model is loading, not that the agent is unreachable.
        await using (var browser = await HeadlessChromium.OpenAsync(web.Addresses[0], 800, 600))
        {
            await LiveAgentFixture.WaitForAsync(
                async () => (await browser.EvaluateAsync("document.getElementById('error')?.textContent ?? ''"))?.GetValue<string>()
                    .StartsWith("The model is still loading", StringComparison.Ordinal) == true,
                TimeSpan.FromSeconds(30),
                "the page to say the model is loading");
        }

        Assert.False(starting.IsCompleted);
        _release.Set();
        await starting.WaitAsync(TimeSpan.FromSeconds(60));

        await LiveAgentFixture.WaitForAsync(async () =>
        {
            using var ready = await _client.GetAsync(new Uri("/readyz", UriKind.Relative));
            using var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
            return body.RootElement.GetProperty("checks").GetProperty("model").GetProperty("ready").GetBoolean();
        }, TimeSpan.FromSeconds(30), "/readyz to report the model loaded");
        using var loaded = await _client.GetAsync(new Uri("/api/cameras", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, loaded.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        _release.Set();
        _client.Dispose();
        if (_host is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await _host.StopAsync(timeout.Token);
            _host.Dispose();
        }

        _release.Dispose();
        if (Directory.Exists(_spool))
        {
            Directory.Delete(_spool, recursive: true);
        }
    }

    private string[] Overrides() =>
    [
        $"--SegMan:Mqtt:Port={LiveAgentFixture.FreeTcpPort()}",
        $"--SegMan:Mqtt:Spool:Path={_spool}",
        "--SegMan:Model:Path=models/baseline-palette.onnx",
        "--SegMan:Http:Enabled=true",
        "--SegMan:Http:Urls=http://127.0.0.1:0",
        "--SegMan:Masks:Overlay:Enabled=false",
        "--SegMan:Pipeline:ReportIntervalSeconds=0",
        "--Logging:LogLevel:Default=Warning",
    ];
}
