using System.Buffers.Binary;

namespace SegMan.Edge.Integration.Tests.Reliability;

/// <summary>Damaged video files that FFmpeg refuses every time.</summary>
internal static class BrokenVideos
{
    /// <summary>
    /// What a recorder that lost power leaves: the file type box and 256 KiB of encoded frames, but no index (moov),
    /// which an MP4 writes last. Random bytes made such tests flaky: FFmpeg now and then probed them
    /// as some format and decoded frames from them.
    /// </summary>
    public static byte[] CutOffBeforeItsIndex(string video)
    {
        var bytes = File.ReadAllBytes(video);
        var boxes = TopLevelBoxes(bytes).ToList();
        var type = boxes.Single(b => b.Name == "ftyp");
        var media = boxes.Single(b => b.Name == "mdat");
        var payload = Math.Min(256 * 1024, media.Length);
        return [.. bytes.AsSpan(type.Offset, type.Length), .. bytes.AsSpan(media.Offset, payload)];
    }

    private static IEnumerable<(string Name, int Offset, int Length)> TopLevelBoxes(byte[] mp4)
    {
        for (var offset = 0; offset + 8 <= mp4.Length;)
        {
            var length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(mp4.AsSpan(offset)));
            if (length < 8)
            {
                yield break;
            }

            var name = System.Text.Encoding.ASCII.GetString(mp4, offset + 4, 4);
            yield return (name, offset, Math.Min(length, mp4.Length - offset));
            offset += length;
        }
    }
}
