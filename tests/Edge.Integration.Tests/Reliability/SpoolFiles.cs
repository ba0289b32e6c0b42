using System.Buffers.Binary;
using System.Text;

namespace SegMan.Edge.Integration.Tests.Reliability;

/// <summary>
/// Reads an agent's summary spool from the outside, following the documented format (Publishing/README.md): one
/// <c>{sequence:D19}.rec</c> file per summary, "SGS1", body length (u32 LE), CRC-32 (u32 LE), then topic length
/// (u16 LE), topic, payload. Files that are not complete records (a write cut short) are left out.
/// </summary>
internal static class SpoolFiles
{
    private const int HeaderSize = 12;

    public static int Count(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder, "*.rec").Length : 0;

    /// <summary>The complete records, oldest first, as (topic, payload).</summary>
    public static List<(string Topic, byte[] Payload)> Read(string folder)
    {
        var records = new List<(string, byte[])>();
        foreach (var file in Directory.GetFiles(folder, "*.rec").Order(StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(file);
            if (bytes.Length < HeaderSize + 2
                || !bytes.AsSpan(0, 4).SequenceEqual("SGS1"u8)
                || HeaderSize + (long)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)) != bytes.Length)
            {
                continue;
            }

            var topicLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(HeaderSize));
            var topic = Encoding.UTF8.GetString(bytes, HeaderSize + 2, topicLength);
            records.Add((topic, bytes[(HeaderSize + 2 + topicLength)..]));
        }

        return records;
    }
}
