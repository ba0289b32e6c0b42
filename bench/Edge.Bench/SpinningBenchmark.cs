using SegMan.Edge.Pipeline.Models;

namespace SegMan.Edge.Bench;

/// <summary>
/// Inference time of one custom-op model in two sessions side by side: as the agent opens it (the custom-op library
/// registered, ONNX Runtime's intra-op spinning off) and with spinning back on (ONNX Runtime's default). Prints the
/// median milliseconds per frame of each and their ratio.
/// </summary>
internal static class SpinningBenchmark
{
    public static int Run(BenchOptions options)
    {
        var manifest = ModelManifestLoader.LoadForModel(options.Model);
        using var agentSession = AgentSession.Open(options.Model);
        using var spinningSession = AgentSession.Open(options.Model, allowSpinning: true);
        var medians = AlternatingTimer.MedianMilliseconds([("agent", agentSession, manifest), ("spinning", spinningSession, manifest)], options.Frames);
        var (agent, spinning) = (medians["agent"], medians["spinning"]);
        Console.WriteLine($"model {Path.GetFileName(options.Model)}, {AlternatingTimer.CountedRuns(options.Frames)} runs each, alternating, {Environment.ProcessorCount} cores");
        Console.WriteLine($"| session | ms per frame (median) |\n|---|---:|\n| agent (spinning off) | {agent:F1} |\n| spinning on (ORT default) | {spinning:F1} |");
        Console.WriteLine($"spinning on / agent: {spinning / agent:F2}x");
        return 0;
    }
}
