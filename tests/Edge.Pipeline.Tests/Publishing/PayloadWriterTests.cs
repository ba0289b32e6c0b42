using System.Buffers;
using System.Text.Json;
using SegMan.Edge.Pipeline.Publishing.Payloads;
using SegMan.Edge.Pipeline.Publishing.Summaries;
using SegMan.Edge.Pipeline.Tests.Publishing.Support;

namespace SegMan.Edge.Pipeline.Tests.Publishing;

public class PayloadWriterTests
{
    private static readonly ClassNames Names = new(TestFrames.Classes);

    [Fact]
    public void Stats_json_carries_the_frame()
    {
        using var frame = TestFrames.Frame("front", 42, [0.5f, 0.123456f, 0.376544f], dropped: 7);
        var buffer = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(buffer);

        StatsPayloadWriter.Write(writer, JsonEncodedText.Encode("front"), frame, Names);

        var json = JsonDocument.Parse(buffer.WrittenMemory).RootElement;
        Assert.Equal("front", json.GetProperty("camera").GetString());
        Assert.Equal(42, json.GetProperty("sequence").GetInt64());
        Assert.Equal("2026-11-03T10:00:01.386Z", json.GetProperty("capturedAt").GetString());
        var latency = json.GetProperty("latencyMs");
        Assert.Equal(1.5, latency.GetProperty("capture").GetDouble());
        Assert.Equal(2.25, latency.GetProperty("preprocess").GetDouble());
        Assert.Equal(22, latency.GetProperty("inference").GetDouble());
        Assert.Equal(3, latency.GetProperty("postprocess").GetDouble());
        Assert.Equal(28.75, latency.GetProperty("total").GetDouble());
        var classes = json.GetProperty("classes");
        Assert.Equal(0.5, classes.GetProperty("road").GetDouble());
        Assert.Equal(0.12346, classes.GetProperty("sidewalk").GetDouble());
        Assert.Equal(0.37654, classes.GetProperty("car").GetDouble());
        Assert.Equal(7, json.GetProperty("droppedFrames").GetInt64());
    }

    [Fact]
    public void Writing_stats_into_a_reused_buffer_allocates_nothing()
    {
        using var frame = TestFrames.Frame("front", 42);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using var writer = new Utf8JsonWriter(buffer);
        var camera = JsonEncodedText.Encode("front");
        for (var i = 0; i < 10; i++)
        {
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            StatsPayloadWriter.Write(writer, camera, frame, Names);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            frame.Sequence = i;
            StatsPayloadWriter.Write(writer, camera, frame, Names);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Summary_json_has_coverage_latency_gaps_and_drops()
    {
        var start = new DateTimeOffset(2026, 11, 3, 10, 0, 0, TimeSpan.Zero);
        var aggregator = new SummaryAggregator(3, start);
        for (var i = 0; i < 20; i++)
        {
            using var frame = TestFrames.Frame("front", i, [0.5f, 0.25f + i / 100f, 0.25f - i / 100f], dropped: i / 2);
            aggregator.AddFrame(frame.DroppedFrames, frame.Timings, frame.ClassFractions);
        }

        aggregator.AddError();
        aggregator.SourceDown(start.AddSeconds(6));
        aggregator.SourceUp(start.AddSeconds(8));
        var window = new SummaryWindow(3) { StatsDropped = 4, MasksDropped = 2, SummariesDropped = 1 };
        aggregator.Close(start.AddSeconds(10), window);
        var buffer = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(buffer);

        SummaryPayloadWriter.Write(writer, JsonEncodedText.Encode("front"), window, Names);

        var json = JsonDocument.Parse(buffer.WrittenMemory).RootElement;
        Assert.Equal("front", json.GetProperty("camera").GetString());
        Assert.Equal(1, json.GetProperty("window").GetInt64());
        Assert.Equal("2026-11-03T10:00:00Z", json.GetProperty("start").GetString());
        Assert.Equal("2026-11-03T10:00:10Z", json.GetProperty("end").GetString());
        Assert.Equal(20, json.GetProperty("frames").GetInt64());
        Assert.Equal(2.0, json.GetProperty("fps").GetDouble());
        var sidewalk = json.GetProperty("coverage").GetProperty("sidewalk");
        Assert.Equal(0.345, sidewalk.GetProperty("mean").GetDouble(), 5);
        Assert.Equal(0.25, sidewalk.GetProperty("min").GetDouble(), 5);
        Assert.Equal(0.44, sidewalk.GetProperty("max").GetDouble(), 5);
        var inference = json.GetProperty("latencyMs").GetProperty("inference");
        Assert.Equal(24, inference.GetProperty("p50").GetDouble());
        Assert.Equal(29, inference.GetProperty("p99").GetDouble());
        Assert.True(json.GetProperty("latencyMs").GetProperty("total").GetProperty("p95").GetDouble() > 29);
        Assert.Equal(9, json.GetProperty("droppedFrames").GetInt64());
        Assert.Equal(1, json.GetProperty("errors").GetInt64());
        var gaps = json.GetProperty("gaps");
        Assert.Equal(1, gaps.GetProperty("outages").GetInt32());
        Assert.Equal(2.0, gaps.GetProperty("downSeconds").GetDouble());
        Assert.Equal(1, gaps.GetProperty("reconnects").GetInt32());
        var publishing = json.GetProperty("publishing");
        Assert.Equal(4, publishing.GetProperty("statsDropped").GetInt64());
        Assert.Equal(2, publishing.GetProperty("masksDropped").GetInt64());
        Assert.Equal(1, publishing.GetProperty("summariesDropped").GetInt64());
    }

    [Fact]
    public void Class_names_fall_back_and_stay_unique()
    {
        var names = new ClassNames([new(0, "car", [0, 0, 0]), new(1, "car", [0, 0, 0]), new(3, "", [0, 0, 0])]);

        Assert.Equal("car", names[0]);
        Assert.Equal("car_1", names[1]);
        Assert.Equal("class2", names[2]);
        Assert.Equal("class3", names[3]);
        Assert.Equal(4, names.DeclaredCount);
    }

    [Fact]
    public void Birth_lists_model_cameras_and_execution_provider()
    {
        var started = new DateTimeOffset(2026, 11, 3, 9, 0, 0, TimeSpan.Zero);
        var json = JsonDocument.Parse(StatusPayloads.Birth(TestFrames.Device("front", "rear"), "robot-1", ["front", "rear"], started)).RootElement;

        Assert.Equal("online", json.GetProperty("state").GetString());
        Assert.Equal("robot-1", json.GetProperty("device").GetString());
        Assert.Equal("0.1.0-test", json.GetProperty("version").GetString());
        Assert.Equal("segman-t", json.GetProperty("model").GetProperty("name").GetString());
        Assert.Equal("T", json.GetProperty("model").GetProperty("variant").GetString());
        Assert.Equal("fp16", json.GetProperty("model").GetProperty("precision").GetString());
        Assert.Equal("car", json.GetProperty("model").GetProperty("classes")[2].GetProperty("name").GetString());
        Assert.Equal("CPU", json.GetProperty("executionProvider").GetString());
        Assert.Equal(["front", "rear"], json.GetProperty("cameras").EnumerateArray().Select(c => c.GetString()!));
        Assert.Equal("2026-11-03T09:00:00Z", json.GetProperty("started").GetString());
    }
}
