using System.Globalization;
using System.Text.RegularExpressions;
using SegMan.Edge.Agent.Tests.Http;

namespace SegMan.Edge.Agent.Tests.Metrics;

[Collection(LiveAgentCollection.Name)]
public sealed partial class PrometheusEndpointTests(LiveAgentFixture agent)
{
    private static readonly string[] PerCamera =
    [
        "segman_camera_frames_captured_total",
        "segman_camera_frames_processed_total",
        "segman_camera_frames_dropped_total",
        "segman_camera_errors_total",
        "segman_camera_reconnects_total",
        "segman_camera_fps",
        "segman_camera_frame_age_seconds",
        "segman_camera_latency_seconds_count",
    ];

    private static readonly string[] Device =
    [
        "segman_mqtt_connected",
        "segman_mqtt_queue_depth",
        "segman_mqtt_connects_total",
        "segman_mqtt_connection_losses_total",
        "segman_mqtt_spool_items",
        "segman_mqtt_spool_size_bytes",
    ];

    [Fact]
    public async Task Metrics_are_prometheus_text_with_camera_labels_and_growing_values()
    {
        var first = await WaitForSamplesAsync();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var second = await ScrapeAsync();

        foreach (var camera in LiveAgentFixture.CameraIds)
        {
            var label = $"camera=\"{camera}\"";
            foreach (var name in PerCamera)
            {
                Assert.True(first.ContainsKey((name, label)), $"{name}{{{label}}} is missing");
            }

            foreach (var stage in new[] { "capture", "preprocess", "inference", "postprocess" })
            {
                var key = ("segman_camera_stage_duration_seconds_count", $"{label},stage=\"{stage}\"");
                Assert.True(second[key] > first[key], $"{key} did not grow");
                Assert.True(second.ContainsKey(("segman_camera_stage_duration_seconds_bucket", $"{label},stage=\"{stage}\",le=\"0.01\"")));
            }

            Assert.True(second[("segman_camera_frames_processed_total", label)] > first[("segman_camera_frames_processed_total", label)]);
            Assert.InRange(second[("segman_camera_fps", label)], 5, 30);
        }

        foreach (var name in Device)
        {
            Assert.True(second.ContainsKey((name, "")), $"{name} is missing");
        }

        Assert.Equal(1, second[("segman_mqtt_connected", "")]);
        Assert.True(second[("segman_mqtt_messages_published_total", "kind=\"stats\"")] > first[("segman_mqtt_messages_published_total", "kind=\"stats\"")]);
        Assert.True(second.ContainsKey(("segman_mqtt_messages_dropped_total", "kind=\"mask\"")));
    }

    private async Task<Dictionary<(string Name, string Labels), double>> WaitForSamplesAsync()
    {
        Dictionary<(string, string), double> samples = [];
        await LiveAgentFixture.WaitForAsync(async () =>
        {
            samples = await ScrapeAsync();
            return LiveAgentFixture.CameraIds.All(c => samples.GetValueOrDefault(("segman_camera_frames_processed_total", $"camera=\"{c}\"")) > 0);
        }, TimeSpan.FromSeconds(20), "processed frames in /metrics");
        return samples;
    }

    /// <summary>Parses the exposition into (name, labels without the scope labels) → value.</summary>
    private async Task<Dictionary<(string Name, string Labels), double>> ScrapeAsync()
    {
        using var response = await agent.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var samples = new Dictionary<(string, string), double>();
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n'))
        {
            var match = Sample().Match(line);
            if (match.Success)
            {
                var labels = string.Join(',', match.Groups["labels"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries)
                    .Where(l => !l.StartsWith("otel_scope_", StringComparison.Ordinal)));
                var value = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
                Assert.True(samples.TryAdd((match.Groups["name"].Value, labels), value), $"the series {line} appears twice");
            }
        }

        return samples;
    }

    [GeneratedRegex(@"^(?<name>segman_[a-z_]+)(\{(?<labels>[^}]*)\})? (?<value>\S+)")]
    private static partial Regex Sample();
}
