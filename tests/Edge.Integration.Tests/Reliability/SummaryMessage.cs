using System.Globalization;
using System.Text.Json;

namespace SegMan.Edge.Integration.Tests.Reliability;

/// <summary>
/// The fields of a summary payload these tests check (Publishing/README.md). <c>(Camera, Start)</c> identifies a window
/// across agent restarts; <see cref="Window"/> counts from 1 per camera within one run.
/// </summary>
internal sealed record SummaryMessage(
    string Camera, long Window, DateTimeOffset Start, DateTimeOffset End, long Frames, long Outages, double DownSeconds, long Reconnects)
{
    public static SummaryMessage Parse(byte[] payload)
    {
        var root = JsonDocument.Parse(payload).RootElement;
        var gaps = root.GetProperty("gaps");
        return new SummaryMessage(
            root.GetProperty("camera").GetString() ?? "",
            root.GetProperty("window").GetInt64(),
            DateTimeOffset.Parse(root.GetProperty("start").GetString()!, CultureInfo.InvariantCulture),
            DateTimeOffset.Parse(root.GetProperty("end").GetString()!, CultureInfo.InvariantCulture),
            root.GetProperty("frames").GetInt64(),
            gaps.GetProperty("outages").GetInt64(),
            gaps.GetProperty("downSeconds").GetDouble(),
            gaps.GetProperty("reconnects").GetInt64());
    }

    /// <summary>Parses in arrival order and drops repeats of a window already seen (delivery is at least once).</summary>
    public static List<SummaryMessage> Distinct(IEnumerable<byte[]> payloads)
    {
        var seen = new HashSet<(string, DateTimeOffset)>();
        return payloads.Select(Parse).Where(s => seen.Add((s.Camera, s.Start))).ToList();
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Camera}#{Window} {Start:HH:mm:ss.fff}-{End:HH:mm:ss.fff} frames {Frames} down {DownSeconds:F1}s");
}
