using SegMan.Edge.Pipeline.Models;

namespace SegMan.Edge.Bench;

/// <summary>
/// Inference time of two models side by side, each opened as the agent opens it (custom-op library registered,
/// intra-op spinning off): e.g. one network exported at two input sizes. Prints the median milliseconds per frame
/// of each and the ratio of the second to the first.
/// </summary>
internal static class ModelLatencyBenchmark
{
    public static int Run(BenchOptions options)
    {
        if (options.Against is null)
        {
            Console.Error.WriteLine("latency needs a second model: --against FILE");
            return 2;
        }

        var models = new[] { options.Model, options.Against };
        var manifests = models.Select(ModelManifestLoader.LoadForModel).ToArray();
        using var first = AgentSession.Open(models[0]);
        using var second = AgentSession.Open(models[1]);
        var names = models.Select(Path.GetFileName).Select((name, i) => $"{i + 1}: {name}").ToArray();
        var medians = AlternatingTimer.MedianMilliseconds([(names[0], first, manifests[0]), (names[1], second, manifests[1])], options.Frames);
        Console.WriteLine($"{AlternatingTimer.CountedRuns(options.Frames)} runs each, alternating, {Environment.ProcessorCount} cores");
        Console.WriteLine("| model | input | ms per frame (median) |\n|---|---|---:|");
        for (var i = 0; i < 2; i++)
        {
            Console.WriteLine($"| {names[i]} | {manifests[i].Input.Width}x{manifests[i].Input.Height} | {medians[names[i]]:F1} |");
        }

        Console.WriteLine($"2 / 1: {medians[names[1]] / medians[names[0]]:F2}x");
        return 0;
    }
}
