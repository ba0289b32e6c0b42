using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SegMan.Edge.Kernels;
using SegMan.Edge.Pipeline.Models;

namespace SegMan.Edge.Bench;

/// <summary>
/// Inference time of one custom-op model in two sessions side by side: as the agent opens it (the custom-op library
/// registered, ONNX Runtime's intra-op spinning off) and with spinning back on (ONNX Runtime's default). Rounds
/// alternate between the two so that the machine's drift hits both; prints the median milliseconds per frame of each
/// and their ratio.
/// </summary>
internal static class SpinningBenchmark
{
    private const int RunsPerRound = 3;

    public static int Run(BenchOptions options)
    {
        var manifest = ModelManifestLoader.LoadForModel(options.Model);
        using var agentSession = Open(options.Model, allowSpinning: false);
        using var spinningSession = Open(options.Model, allowSpinning: true);
        var input = new DenseTensor<float>([1, 3, manifest.Input.Height, manifest.Input.Width]);
        var random = new Random(1);
        for (var i = 0; i < input.Length; i++)
        {
            input.SetValue(i, (float)random.NextDouble());
        }

        var inputs = new[] { NamedOnnxValue.CreateFromTensor(manifest.Input.Name, input) };
        var times = new Dictionary<string, List<double>>(StringComparer.Ordinal) { ["agent"] = [], ["spinning"] = [] };
        var rounds = Math.Max(1, options.Frames / RunsPerRound);
        for (var round = -1; round < rounds; round++)
        {
            // Round -1 warms both sessions up and is not counted.
            foreach (var (name, session) in new[] { ("agent", agentSession), ("spinning", spinningSession) })
            {
                for (var r = 0; r < RunsPerRound; r++)
                {
                    var started = Stopwatch.GetTimestamp();
                    session.Run(inputs).Dispose();
                    if (round >= 0)
                    {
                        times[name].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }
            }
        }

        var agent = Median(times["agent"]);
        var spinning = Median(times["spinning"]);
        Console.WriteLine($"model {Path.GetFileName(options.Model)}, {times["agent"].Count} runs each, alternating, {Environment.ProcessorCount} cores");
        Console.WriteLine($"| session | ms per frame (median) |\n|---|---:|\n| agent (spinning off) | {agent:F1} |\n| spinning on (ORT default) | {spinning:F1} |");
        Console.WriteLine($"spinning on / agent: {spinning / agent:F2}x");
        return 0;
    }

    private static InferenceSession Open(string model, bool allowSpinning)
    {
        using var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        CustomOpLibrary.Register(sessionOptions);
        if (allowSpinning)
        {
            sessionOptions.AddSessionConfigEntry(CustomOpLibrary.IntraOpSpinningKey, "1");
        }

        return new InferenceSession(model, sessionOptions);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
