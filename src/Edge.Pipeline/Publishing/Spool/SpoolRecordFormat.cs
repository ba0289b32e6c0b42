using System.Buffers.Binary;
using System.Text;

namespace SegMan.Edge.Pipeline.Publishing.Spool;

/// <summary>
/// The bytes of one spool file: magic "SGS1", body length (u32 LE), CRC-32 of the body (u32 LE), then the
/// body: topic length (u16 LE), topic (UTF-8), payload. A file whose length or CRC disagrees is damaged.
/// </summary>
internal static class SpoolRecordFormat
{
    public const int HeaderSize = 12;
    private static ReadOnlySpan<byte> Magic => "SGS1"u8;

    public static int Size(string topic, int payloadLength) => HeaderSize + 2 + Encoding.UTF8.GetByteCount(topic) + payloadLength;

    public static int Write(Span<byte> destination, string topic, ReadOnlySpan<byte> payload)
    {
        var body = destination[HeaderSize..];
        var topicLength = Encoding.UTF8.GetBytes(topic, body[2..]);
        if (topicLength > ushort.MaxValue)
        {
            throw new ArgumentException("The topic is longer than MQTT allows.", nameof(topic));
        }

        BinaryPrimitives.WriteUInt16LittleEndian(body, (ushort)topicLength);
        payload.CopyTo(body[(2 + topicLength)..]);
        var bodyLength = 2 + topicLength + payload.Length;

        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)bodyLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Crc32.Compute(body[..bodyLength]));
        return HeaderSize + bodyLength;
    }

    /// <summary>Reads the header; returns why it is unusable, or null with the body length it announces.</summary>
    public static string? ReadHeader(ReadOnlySpan<byte> header, long fileLength, out int bodyLength)
    {
        bodyLength = 0;
        if (header.Length < HeaderSize || !header[..4].SequenceEqual(Magic))
        {
            return "no record header";
        }

        var announced = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (announced < 2 || announced > int.MaxValue || HeaderSize + (long)announced != fileLength)
        {
            return $"length {fileLength} bytes, header announces {HeaderSize + (long)announced}";
        }

        bodyLength = (int)announced;
        return null;
    }

    /// <summary>Decodes a whole file; returns why it is damaged, or null with its topic and payload.</summary>
    public static string? Read(byte[] file, out string topic, out ReadOnlyMemory<byte> payload)
    {
        topic = "";
        payload = default;
        if (ReadHeader(file, file.Length, out var bodyLength) is { } problem)
        {
            return problem;
        }

        var body = file.AsSpan(HeaderSize, bodyLength);
        if (Crc32.Compute(body) != BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(8)))
        {
            return "CRC mismatch";
        }

        var topicLength = BinaryPrimitives.ReadUInt16LittleEndian(body);
        if (2 + topicLength > bodyLength)
        {
            return "topic runs past the record";
        }

        topic = Encoding.UTF8.GetString(body.Slice(2, topicLength));
        payload = file.AsMemory(HeaderSize + 2 + topicLength);
        return null;
    }

    /// <summary>Reads only the topic of a record whose header is valid (for the index built at open).</summary>
    public static string ReadTopic(ReadOnlySpan<byte> bodyStart)
    {
        var topicLength = BinaryPrimitives.ReadUInt16LittleEndian(bodyStart);
        return Encoding.UTF8.GetString(bodyStart.Slice(2, Math.Min(topicLength, bodyStart.Length - 2)));
    }
}
