using System.Buffers;
using System.Text.Json;

namespace SegMan.Edge.Pipeline.Publishing.Payloads;

/// <summary>The retained status payloads: device birth, device offline, and per-camera source status.</summary>
public static class StatusPayloads
{
    /// <summary>Version of the payload layout, carried in the birth so consumers can adapt.</summary>
    public const int SchemaVersion = 1;

    public static byte[] Birth(DeviceDescription device, string deviceId, IReadOnlyList<string> cameraIds, DateTimeOffset started)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(cameraIds);
        return Build(writer =>
        {
            writer.WriteString("state", "online");
            writer.WriteString("device", deviceId);
            writer.WriteNumber("schema", SchemaVersion);
            writer.WriteString("version", device.Version);
            writer.WriteStartObject("model");
            writer.WriteString("name", device.ModelName);
            writer.WriteString("variant", device.ModelVariant);
            writer.WriteString("precision", device.Precision);
            writer.WriteStartArray("classes");
            foreach (var info in device.Classes.OrderBy(static c => c.Id))
            {
                writer.WriteStartObject();
                writer.WriteNumber("id", info.Id);
                writer.WriteString("name", info.Name);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteString("executionProvider", device.ExecutionProvider);
            writer.WriteStartArray("cameras");
            foreach (var camera in cameraIds)
            {
                writer.WriteStringValue(camera);
            }

            writer.WriteEndArray();
            writer.WriteString("started", started.UtcDateTime);
        });
    }

    /// <summary>The offline status: <paramref name="reason"/> is "lost" for the will, "stopped" for a clean stop.</summary>
    public static byte[] Offline(string deviceId, string reason, DateTimeOffset? at) => Build(writer =>
    {
        writer.WriteString("state", "offline");
        writer.WriteString("device", deviceId);
        writer.WriteString("reason", reason);
        if (at is { } time)
        {
            writer.WriteString("at", time.UtcDateTime);
        }
    });

    public static byte[] Camera(string cameraId, SourceState state, string? detail, DateTimeOffset at) => Build(writer =>
    {
        writer.WriteString("camera", cameraId);
        writer.WriteString("state", Name(state));
        if (!string.IsNullOrEmpty(detail))
        {
            writer.WriteString("detail", detail);
        }

        writer.WriteString("at", at.UtcDateTime);
    });

    public static string Name(SourceState state) => state switch
    {
        SourceState.Starting => "starting",
        SourceState.Streaming => "streaming",
        SourceState.Reconnecting => "reconnecting",
        SourceState.Ended => "ended",
        SourceState.Failed => "failed",
        _ => "unknown",
    };

    private static byte[] Build(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
