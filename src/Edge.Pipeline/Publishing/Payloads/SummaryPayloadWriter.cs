using System.Text.Json;
using SegMan.Edge.Pipeline.Publishing.Summaries;

namespace SegMan.Edge.Pipeline.Publishing.Payloads;

/// <summary>Writes a summary window as JSON (see Publishing/README.md).</summary>
public static class SummaryPayloadWriter
{
    public static void Write(Utf8JsonWriter writer, JsonEncodedText camera, SummaryWindow window, ClassNames classNames)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(classNames);

        writer.WriteStartObject();
        writer.WriteString(JsonNames.Camera, camera);
        writer.WriteNumber(JsonNames.Window, window.Index);
        writer.WriteString(JsonNames.Start, window.Start.UtcDateTime);
        writer.WriteString(JsonNames.End, window.End.UtcDateTime);
        writer.WriteNumber(JsonNames.Frames, window.Frames);
        writer.WriteNumber(JsonNames.Fps, Math.Round(window.Fps, 3));

        writer.WriteStartObject(JsonNames.Coverage);
        for (var id = 0; id < Math.Min(window.ClassCount, ClassNames.MaxClasses); id++)
        {
            writer.WriteStartObject(classNames.Encoded(id));
            writer.WriteNumber(JsonNames.Mean, Math.Round(window.CoverageMean[id], 5));
            writer.WriteNumber(JsonNames.Min, Math.Round(window.CoverageMin[id], 5));
            writer.WriteNumber(JsonNames.Max, Math.Round(window.CoverageMax[id], 5));
            writer.WriteEndObject();
        }

        writer.WriteEndObject();

        writer.WriteStartObject(JsonNames.LatencyMs);
        WritePercentiles(writer, JsonNames.Total, window.TotalLatencyMs);
        WritePercentiles(writer, JsonNames.Inference, window.InferenceLatencyMs);
        writer.WriteEndObject();

        writer.WriteNumber(JsonNames.DroppedFrames, window.DroppedFrames);
        writer.WriteNumber(JsonNames.Errors, window.Errors);

        writer.WriteStartObject(JsonNames.Gaps);
        writer.WriteNumber(JsonNames.Outages, window.Outages);
        writer.WriteNumber(JsonNames.DownSeconds, Math.Round(window.DownSeconds, 3));
        writer.WriteNumber(JsonNames.Reconnects, window.Reconnects);
        writer.WriteEndObject();

        writer.WriteStartObject(JsonNames.Publishing);
        writer.WriteNumber(JsonNames.StatsDropped, window.StatsDropped);
        writer.WriteNumber(JsonNames.MasksDropped, window.MasksDropped);
        writer.WriteNumber(JsonNames.SummariesDropped, window.SummariesDropped);
        writer.WriteEndObject();

        writer.WriteEndObject();
        writer.Flush();
    }

    private static void WritePercentiles(Utf8JsonWriter writer, JsonEncodedText name, LatencyPercentiles percentiles)
    {
        writer.WriteStartObject(name);
        writer.WriteNumber(JsonNames.P50, Math.Round(percentiles.P50, 3));
        writer.WriteNumber(JsonNames.P95, Math.Round(percentiles.P95, 3));
        writer.WriteNumber(JsonNames.P99, Math.Round(percentiles.P99, 3));
        writer.WriteEndObject();
    }
}
