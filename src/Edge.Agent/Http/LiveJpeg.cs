namespace SegMan.Edge.Agent.Http;

/// <summary>One rendered overlay (frame + coloured mask) as JPEG; <see cref="Version"/> counts the frames the slot took.</summary>
internal sealed record LiveJpeg(long Version, long Sequence, byte[] Bytes);
