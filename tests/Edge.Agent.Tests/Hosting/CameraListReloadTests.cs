using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Agent.Hosting;
using SegMan.Edge.Agent.Http;
using SegMan.Edge.Agent.Tests.Http;
using SegMan.Edge.Pipeline.Tests.Inference;

namespace SegMan.Edge.Agent.Tests.Hosting;

/// <summary>
/// Cameras are added and removed by editing the configuration file while the agent runs (peers' users ask for it:
/// roboflow/inference#362); an edit that is not valid, or not even JSON, is refused with the reason and changes nothing.
/// A live page left open (headless Chromium) gains and loses the cameras' cards with the file.
/// </summary>
[Collection(SeparateAgentsCollection.Name)]
public sealed class CameraListReloadTests : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly string _folder = Directory.CreateTempSubdirectory("segman-reload-tests-").FullName;
    private readonly RecordingLoggerFactory _logs = new();
    private readonly AgentPaths _repository = AgentPaths.Discover(null, Environment.CurrentDirectory, AppContext.BaseDirectory);
    private IHost? _host;

    [Fact(Timeout = 120_000)]
    public async Task Editing_the_camera_list_starts_and_stops_cameras_without_a_restart()
    {
        var config = Path.Combine(_folder, "appsettings.json");
        WriteConfig(config, ["front"]);
        _host = AgentHost.Build(AgentPaths.Discover(config, _folder, AppContext.BaseDirectory), Overrides(), services =>
            services.AddSingleton<ILoggerProvider>(new RecordingProvider(_logs)));
        await AgentHost.StartAsync(_host);
        var registry = _host.Services.GetRequiredService<PipelineRegistry>();
        await WaitForCamerasAsync(registry, ["front"]);
        var web = _host.Services.GetRequiredService<LiveViewServer>();
        await LiveAgentFixture.WaitForAsync(() => Task.FromResult(web.Addresses.Count > 0), Patience, "the web endpoint to listen");
        await using var page = await HeadlessChromium.OpenAsync(web.Addresses[0], 1000, 700);
        await WaitForCardsAsync(page, ["front"]);

        WriteConfig(config, ["front", "rear"]);
        await WaitForCamerasAsync(registry, ["front", "rear"]);
        await WaitForCardsAsync(page, ["front", "rear"]);

        WriteConfig(config, ["rear"]);
        await WaitForCamerasAsync(registry, ["rear"]);
        await WaitForCardsAsync(page, ["rear"]);

        // A camera without a source: refused, with the validator's reason, and the running one keeps running.
        var broken = JsonNode.Parse(File.ReadAllText(config))!;
        broken["SegMan"]!["Cameras"]!.AsArray().Add(new JsonObject { ["Id"] = "side" });
        await File.WriteAllTextAsync(config, broken.ToJsonString());
        await WaitForLogAsync("its cameras are not valid");
        Assert.Contains(_logs.Entries, e => e.Message.Contains("SegMan:Cameras:1:Source is required", StringComparison.Ordinal));

        // Not JSON at all (a half-saved edit): refused, and the agent is still running.
        await File.WriteAllTextAsync(config, "{ \"SegMan\": { \"Cameras\": [");
        await WaitForLogAsync("cannot be read");
        Assert.Equal(["rear"], Running(registry));

        WriteConfig(config, ["front", "rear"]);
        await WaitForCamerasAsync(registry, ["front", "rear"]);
        await WaitForCardsAsync(page, ["front", "rear"]);

        // Each refusal said once, not once per part of the agent that follows the list.
        Assert.Single(_logs.Entries, e => e.Message.Contains("its cameras are not valid", StringComparison.Ordinal));
        Assert.Single(_logs.Entries, e => e.Message.Contains("cannot be read", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await _host.StopAsync(timeout.Token);
            _host.Dispose();
        }

        Directory.Delete(_folder, recursive: true);
    }

    private void WriteConfig(string path, string[] cameras)
    {
        var video = _repository.Resolve("samples/drive.mp4")!;
        var config = new JsonObject
        {
            ["SegMan"] = new JsonObject
            {
                ["Cameras"] = new JsonArray([.. cameras.Select(id => (JsonNode)new JsonObject
                {
                    ["Id"] = id,
                    ["Source"] = video,
                    ["Loop"] = true,
                    ["RealTime"] = true,
                })]),
                ["Model"] = new JsonObject { ["Path"] = _repository.Resolve("models/baseline-palette.onnx") },
            },
        };

        // Written beside and moved over the file, as editors save: the watcher never reads a half-written file.
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, config.ToJsonString());
        File.Move(temporary, path, overwrite: true);
    }

    private string[] Overrides() =>
    [
        "--SegMan:Mqtt:Broker=embedded",
        "--SegMan:Mqtt:DeviceId=reload-test",
        $"--SegMan:Mqtt:Port={LiveAgentFixture.FreeTcpPort()}",
        $"--SegMan:Mqtt:Spool:Path={Path.Combine(_folder, "spool")}",
        "--SegMan:Http:Enabled=true",
        "--SegMan:Http:Urls=http://127.0.0.1:0",
        "--SegMan:Masks:Overlay:Enabled=false",
        "--SegMan:Pipeline:ReportIntervalSeconds=0",
        "--Logging:LogLevel:Default=Warning",
    ];

    private static string[] Running(PipelineRegistry registry) => [.. registry.Snapshot().Select(p => p.CameraId).Order(StringComparer.Ordinal)];

    private static Task WaitForCamerasAsync(PipelineRegistry registry, string[] expected) =>
        LiveAgentFixture.WaitForAsync(() => Task.FromResult(Running(registry).SequenceEqual(expected)), Patience, $"cameras {string.Join(", ", expected)}");

    // The page's camera cards, in page order (the page adds a card when /api/cameras first lists the camera).
    private static Task WaitForCardsAsync(HeadlessChromium page, string[] expected) => LiveAgentFixture.WaitForAsync(
        async () =>
        {
            var cards = await page.EvaluateAsync("[...document.querySelectorAll('section.camera')].map(c => c.dataset.camera)");
            return cards is JsonArray ids && ids.Select(id => id!.GetValue<string>()).Order(StringComparer.Ordinal).SequenceEqual(expected);
        },
        Patience,
        $"the live page's cards {string.Join(", ", expected)}");

    private Task WaitForLogAsync(string text) => LiveAgentFixture.WaitForAsync(
        () => Task.FromResult(_logs.Entries.Any(e => e.Level == LogLevel.Error && e.Message.Contains(text, StringComparison.Ordinal))),
        Patience,
        $"an error saying '{text}'");

    private sealed class RecordingProvider(RecordingLoggerFactory logs) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => logs.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
