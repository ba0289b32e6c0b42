namespace SegMan.Edge.Pipeline.Publishing.Spool;

/// <summary>One spooled message: its place in the spool's order, its topic and its payload.</summary>
public sealed record SpoolItem(long Sequence, string Topic, ReadOnlyMemory<byte> Payload);
