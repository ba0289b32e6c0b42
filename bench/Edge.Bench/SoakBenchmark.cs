using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegMan.Edge.Agent;
using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Agent.Hosting;
using SegMan.Edge.Pipeline.Publishing.Mqtt;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Bench;

/// <summary>
/// Reliability soak: the real agent host in-process with several looping cameras against a real mosquitto that is
/// stopped and restarted on a schedule, while a persistent fleet subscriber collects every summary. Prints per-camera
/// frames, drops, stage errors and reconnects; summaries produced against received (none may be lost); per-frame
/// messages dropped while the broker was away; and memory growth from minute 1 to the end.
/// </summary>
internal static class SoakBenchmark
{
    private const string Device = "soak";
    private static readonly TimeSpan Progress = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MemoryBaselineAt = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(string[] args)
    {
        var options = SoakOptions.Parse(args);
        var paths = AgentPaths.Discover(null, Environment.CurrentDirectory, AppContext.BaseDirectory);
        var work = Directory.CreateTempSubdirectory("segman-soak-");
        try
        {
            return await RunAsync(options, paths, work.FullName);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task<int> RunAsync(SoakOptions options, AgentPaths paths, string work)
    {
        var brokerFolder = Directory.CreateDirectory(Path.Combine(work, "broker")).FullName;
        await using var broker = await SoakBroker.StartAsync(brokerFolder);
        await using var fleet = await SoakSubscriber.ConnectAsync(broker.Port, $"segman/{Device}/+/summary");

        using var host = AgentHost.Build(paths, Overrides(options, paths, broker.Port, Path.Combine(work, "spool")));
        await AgentHost.StartAsync(host).WaitAsync(TimeSpan.FromSeconds(60));
        var publisher = host.Services.GetRequiredService<MqttResultPublisher>();
        var registry = host.Services.GetRequiredService<PipelineRegistry>();
        var model = host.Services.GetRequiredService<ModelRuntime>().Segmenter;
        Console.WriteLine($"soak: {options.Cameras} cameras, {options.Duration.TotalMinutes:0.#} min, model {model.Manifest.Name} on {model.ExecutionProvider}, " +
                          $"broker 127.0.0.1:{broker.Port} down {options.BrokerDown.TotalSeconds:0} s every {options.BrokerPeriod.TotalSeconds:0} s, " +
                          $"summaries every {options.SummarySeconds} s, {Environment.ProcessorCount} cores");

        var pipelines = new HashSet<CameraPipeline>(ReferenceEqualityComparer.Instance);
        var clock = Stopwatch.StartNew();
        MemorySample? baseline = null;
        var outages = 0;
        var nextOutage = options.BrokerPeriod;
        var nextProgress = Progress;
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (clock.Elapsed < options.Duration && await tick.WaitForNextTickAsync())
        {
            pipelines.UnionWith(registry.Snapshot());
            if (baseline is null && clock.Elapsed >= MemoryBaselineAt)
            {
                baseline = MemorySample.Take();
            }

            // An outage that would not be over (plus time to reconnect) before the end is skipped.
            if (clock.Elapsed >= nextOutage && clock.Elapsed + options.BrokerDown + TimeSpan.FromSeconds(10) < options.Duration)
            {
                outages++;
                await broker.StopAsync();
                Console.WriteLine($"{clock.Elapsed:mm\\:ss} broker stopped (outage {outages})");
                await Task.Delay(options.BrokerDown);
                await broker.StartAgainAsync();
                Console.WriteLine($"{clock.Elapsed:mm\\:ss} broker started again");
                nextOutage += options.BrokerPeriod;
            }

            if (clock.Elapsed >= nextProgress)
            {
                nextProgress += Progress;
                var metrics = publisher.GetMetrics();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{clock.Elapsed:mm\\:ss} frames {registry.Snapshot().Sum(p => p.Counters.FramesProcessed)}, summaries spooled {metrics.SummariesSpooled}, " +
                    $"received {fleet.DistinctCount}, in spool {metrics.SpoolCount}, working set {Environment.WorkingSet / 1048576.0:F0} MiB"));
            }
        }

        pipelines.UnionWith(registry.Snapshot());
        var end = MemorySample.Take();
        baseline ??= end;
        var cameras = pipelines
            .GroupBy(p => p.CameraId, StringComparer.Ordinal)
            .Select(g => new CameraTotals(
                g.Key,
                g.Sum(p => p.Counters.FramesProcessed),
                g.Sum(p => p.Counters.FramesDropped),
                g.Sum(p => p.Counters.StageErrors),
                g.Sum(p => p.Counters.Reconnects),
                g.Count() - 1))
            .OrderBy(c => c.Id, StringComparer.Ordinal)
            .ToList();
        var elapsed = clock.Elapsed;

        // A clean stop closes the last windows into the spool and sends them while the broker is up.
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var final = publisher.GetMetrics();
        var expected = final.SummariesSpooled - final.SpoolCount - final.SummariesDropped;
        var drained = Stopwatch.StartNew();
        while (fleet.DistinctCount < expected && drained.Elapsed < DrainTimeout)
        {
            await Task.Delay(100);
        }

        var report = new SoakReport(options, elapsed, outages, cameras, fleet.Windows(), fleet.Duplicates, final, baseline, end);
        report.Print(Console.Out);
        return report.Lost == 0 ? 0 : 1;
    }

    private static string[] Overrides(SoakOptions options, AgentPaths paths, int brokerPort, string spool)
    {
        var video = paths.Resolve(options.Video ?? "samples/drive.mp4");
        var overrides = new List<string>
        {
            "--SegMan:Mqtt:Broker=external",
            "--SegMan:Mqtt:Host=127.0.0.1",
            $"--SegMan:Mqtt:Port={brokerPort}",
            "--SegMan:Http:Enabled=false",
            $"--SegMan:Mqtt:DeviceId={Device}",
            $"--SegMan:Mqtt:SummaryIntervalSeconds={options.SummarySeconds}",
            $"--SegMan:Mqtt:Spool:Path={spool}",
            "--SegMan:Masks:Overlay:Enabled=false",
            "--SegMan:Pipeline:ReportIntervalSeconds=0",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
        };
        if (options.Model is not null)
        {
            overrides.Add($"--SegMan:Model:Path={paths.Resolve(options.Model)}");
        }

        for (var i = 0; i < options.Cameras; i++)
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"--SegMan:Cameras:{i}");
            overrides.AddRange([$"{key}:Id=cam{i + 1}", $"{key}:Source={video}", $"{key}:Loop=true", $"{key}:RealTime=true"]);
        }

        return [.. overrides];
    }
}
