using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using SegMan.Edge.Pipeline.Publishing.Spool;
using SegMan.Edge.Pipeline.Tests.Publishing.Support;

namespace SegMan.Edge.Pipeline.Tests.Publishing;

public class SummarySpoolTests
{
    private static SummarySpool Open(string path, long maxBytes = 1 << 20) => SummarySpool.Open(path, maxBytes, NullLogger.Instance);

    private static List<string> DrainPayloads(SummarySpool spool)
    {
        var payloads = new List<string>();
        while (spool.TryPeek(out var item))
        {
            payloads.Add(Encoding.UTF8.GetString(item.Payload.Span));
            spool.Remove(item.Sequence);
        }

        return payloads;
    }

    [Fact]
    public void Items_come_out_in_order_and_leave_only_when_removed()
    {
        using var directory = new TestDirectory();
        var spool = Open(directory.Path);
        spool.Append("a/summary", "one"u8);
        spool.Append("b/summary", "two"u8);

        Assert.True(spool.TryPeek(out var first));
        Assert.True(spool.TryPeek(out var again));
        Assert.Equal(first.Sequence, again.Sequence);
        Assert.Equal("a/summary", first.Topic);
        Assert.Equal("one", Encoding.UTF8.GetString(first.Payload.Span));
        Assert.Equal(2, spool.Count);

        spool.Remove(first.Sequence);
        Assert.True(spool.TryPeek(out var second));
        Assert.Equal("b/summary", second.Topic);
        spool.Remove(second.Sequence);
        Assert.False(spool.TryPeek(out _));
        Assert.Equal(0, spool.Bytes);
        Assert.Empty(Directory.EnumerateFiles(directory.Path));
    }

    [Fact]
    public void Pending_items_survive_a_restart_and_new_ones_go_after_them()
    {
        using var directory = new TestDirectory();
        var before = Open(directory.Path);
        before.Append("cam/summary", "1"u8);
        before.Append("cam/summary", "2"u8);
        Assert.True(before.TryPeek(out var delivered));
        before.Remove(delivered.Sequence);

        var after = Open(directory.Path);
        after.Append("cam/summary", "3"u8);

        Assert.Equal(2, after.Count);
        Assert.Equal(["2", "3"], DrainPayloads(after));
    }

    [Fact]
    public void Kill_during_writes_torn_last_record_is_skipped_and_intact_ones_drain_in_order()
    {
        using var directory = new TestDirectory();
        var crashed = Open(directory.Path);
        for (var i = 1; i <= 5; i++)
        {
            crashed.Append("cam/summary", Encoding.UTF8.GetBytes($$"""{"window":{{i}},"pad":"{{new string('x', 200)}}"}"""));
        }

        // The process dies: the spool object is abandoned without any cleanup, the last record was torn
        // half-way, and a write that never reached its rename left a temp file.
        var records = Directory.GetFiles(directory.Path, "*.rec").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(5, records.Length);
        using (var last = new FileStream(records[^1], FileMode.Open))
        {
            last.SetLength(last.Length / 2);
        }

        File.WriteAllBytes(Path.Combine(directory.Path, "0000000000000000005.tmp"), [1, 2, 3]);

        var reopened = Open(directory.Path);
        var drained = DrainPayloads(reopened);

        Assert.Equal([1, 2, 3, 4], drained.Select(p => System.Text.Json.JsonDocument.Parse(p).RootElement.GetProperty("window").GetInt32()));
        Assert.Equal(1, reopened.TotalDamagedSkipped);
        Assert.Empty(Directory.EnumerateFiles(directory.Path));
    }

    [Fact]
    public void A_record_damaged_in_the_middle_is_detected_by_its_crc()
    {
        using var directory = new TestDirectory();
        var spool = Open(directory.Path);
        spool.Append("cam/summary", "first"u8);
        spool.Append("cam/summary", "second"u8);
        spool.Append("cam/summary", "third"u8);
        var middle = Directory.GetFiles(directory.Path, "*.rec").Order(StringComparer.Ordinal).ElementAt(1);
        var bytes = File.ReadAllBytes(middle);
        bytes[^1] ^= 0x55;
        File.WriteAllBytes(middle, bytes);

        var reopened = Open(directory.Path);

        Assert.Equal(["first", "third"], DrainPayloads(reopened));
        Assert.Equal(1, reopened.TotalDamagedSkipped);
    }

    [Fact]
    public void Past_the_cap_the_oldest_are_dropped_and_reported()
    {
        using var directory = new TestDirectory();
        var payload = new byte[1000];
        var recordSize = SpoolRecordFormat.Size("cam/summary", payload.Length);
        var spool = Open(directory.Path, maxBytes: recordSize * 3);
        var dropped = new List<string>();
        spool.DroppedForSpace += dropped.Add;

        for (var i = 0; i < 5; i++)
        {
            payload[0] = (byte)i;
            spool.Append("cam/summary", payload);
        }

        Assert.Equal(3, spool.Count);
        Assert.Equal(recordSize * 3, spool.Bytes);
        Assert.Equal(2, spool.TotalDroppedForSpace);
        Assert.Equal(["cam/summary", "cam/summary"], dropped);
        Assert.True(spool.TryPeek(out var oldest));
        Assert.Equal(2, oldest.Payload.Span[0]);
    }

    [Fact]
    public void Removing_an_item_already_dropped_for_space_is_harmless()
    {
        using var directory = new TestDirectory();
        var spool = Open(directory.Path, maxBytes: SpoolRecordFormat.Size("t", 10));
        spool.Append("t", new byte[10]);
        Assert.True(spool.TryPeek(out var inFlight));
        spool.Append("t", new byte[10]); // pushes the in-flight one out

        spool.Remove(inFlight.Sequence);

        Assert.Equal(1, spool.Count);
    }

    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
    }
}
