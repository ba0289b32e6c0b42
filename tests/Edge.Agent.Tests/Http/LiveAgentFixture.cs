using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Agent.Http;

namespace SegMan.Edge.Agent.Tests.Http;

/// <summary>
/// A real agent (the sample video on two cameras, the bundled model on CPU, the embedded broker) with its web endpoint
/// on free ports, shared by the tests of the "live agent" collection.
/// </summary>
public sealed class LiveAgentFixture : IAsyncLifetime
{
    public static readonly string[] CameraIds = ["front", "rear"];

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private readonly string _spool = Path.Combine(Path.GetTempPath(), $"segman-http-tests-{Guid.NewGuid():N}");
    private IHost? _host;

    public Uri BaseAddress { get; private set; } = null!;

    public AgentPaths Paths { get; } = AgentPaths.Discover(null, Environment.CurrentDirectory, AppContext.BaseDirectory);

    public HttpClient Client { get; } = new() { Timeout = TimeSpan.FromSeconds(15) };

    internal IServiceProvider Services => _host!.Services;

    public async Task InitializeAsync()
    {
        string[] overrides =
        [
            $"--SegMan:Mqtt:Port={FreeTcpPort()}",
            $"--SegMan:Mqtt:Spool:Path={_spool}",

            // The small standard-ops model keeps two cameras at their source rate on a 2-core machine.
            "--SegMan:Model:Path=models/baseline-palette.onnx",
            "--SegMan:Http:Enabled=true",
            "--SegMan:Http:Urls=http://127.0.0.1:0",
            "--SegMan:Http:OverlayFps=5",
            "--SegMan:Masks:Overlay:Enabled=false",
            "--SegMan:Pipeline:ReportIntervalSeconds=0",
            "--SegMan:Cameras:0:Id=front",
            "--SegMan:Cameras:1:Id=rear",
            "--SegMan:Cameras:1:Source=samples/drive.mp4",
            "--SegMan:Cameras:1:Loop=true",
            "--SegMan:Cameras:1:RealTime=true",
            "--Logging:LogLevel:Default=Warning",
        ];
        _host = AgentHost.Build(Paths, overrides);
        using var timeout = new CancellationTokenSource(StartTimeout);
        await _host.StartAsync(timeout.Token);
        var addresses = _host.Services.GetRequiredService<LiveViewServer>().Addresses;
        BaseAddress = addresses.Count > 0 ? addresses[0] : throw new InvalidOperationException("The web endpoint did not start.");
        Client.BaseAddress = BaseAddress;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes (then fails with <paramref name="what"/>).</summary>
    public static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:F0} s waiting for {what}.");
            }

            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_host is not null)
        {
            using var timeout = new CancellationTokenSource(StopTimeout);
            await _host.StopAsync(timeout.Token);
            _host.Dispose();
        }

        if (Directory.Exists(_spool))
        {
            Directory.Delete(_spool, recursive: true);
        }
    }

    /// <summary>A TCP port free on the loopback interface right now.</summary>
    internal static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class LiveAgentCollection : ICollectionFixture<LiveAgentFixture>
{
    public const string Name = "live agent";
}
