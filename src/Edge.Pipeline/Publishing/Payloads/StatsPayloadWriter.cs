using System.Text.Json;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Publishing.Payloads;

/// <summary>
/// Writes the per-frame stats JSON (see Publishing/README.md):
/// <c>{"camera","sequence","capturedAt","latencyMs":{capture,preprocess,inference,postprocess,total},"classes":{name: fraction},"droppedFrames"}</c>.
/// Allocation-free: names are pre-encoded and numbers are formatted straight into the writer's buffer.
/// </summary>
public static class StatsPayloadWriter
{
    public static void Write(Utf8JsonWriter writer, JsonEncodedText camera, FrameContext frame, ClassNames classNames)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(classNames);

        writer.WriteStartObject();
        writer.WriteString(JsonNames.Camera, camera);
        writer.WriteNumber(JsonNames.Sequence, frame.Sequence);
        writer.WriteString(JsonNames.CapturedAt, frame.CapturedAt.UtcDateTime);

        writer.WriteStartObject(JsonNames.LatencyMs);
        writer.WriteNumber(JsonNames.Capture, Milliseconds(frame.Timings.Capture));
        writer.WriteNumber(JsonNames.Preprocess, Milliseconds(frame.Timings.Preprocess));
        writer.WriteNumber(JsonNames.Inference, Milliseconds(frame.Timings.Inference));
        writer.WriteNumber(JsonNames.Postprocess, Milliseconds(frame.Timings.Postprocess));
        writer.WriteNumber(JsonNames.Total, Milliseconds(frame.Timings.Total));
        writer.WriteEndObject();

        writer.WriteStartObject(JsonNames.Classes);
        var fractions = frame.ClassFractions;
        var count = Math.Min(fractions.Length, ClassNames.MaxClasses);
        for (var id = 0; id < count; id++)
        {
            writer.WriteNumber(classNames.Encoded(id), Math.Round(fractions[id], 5));
        }

        writer.WriteEndObject();
        writer.WriteNumber(JsonNames.DroppedFrames, frame.DroppedFrames);
        writer.WriteEndObject();
        writer.Flush();
    }

    internal static double Milliseconds(TimeSpan value) => Math.Round(value.TotalMilliseconds, 3);
}
