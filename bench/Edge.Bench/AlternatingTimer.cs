using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SegMan.Edge.Pipeline.Models;

namespace SegMan.Edge.Bench;

/// <summary>
/// Times ONNX Runtime sessions side by side: rounds of a few runs each, alternating between the sessions so that the
/// machine's drift (thermal, other load) hits all of them alike; the first round warms them up and is not counted.
/// </summary>
internal static class AlternatingTimer
{
    private const int RunsPerRound = 3;

    /// <summary>Median milliseconds per run of each named session, over <paramref name="runs"/> counted runs each.</summary>
    public static IReadOnlyDictionary<string, double> MedianMilliseconds(
        IReadOnlyList<(string Name, InferenceSession Session, ModelManifest Manifest)> sessions, int runs)
    {
        var inputs = sessions.Select(s => RandomInput(s.Manifest)).ToArray();
        var times = sessions.Select(_ => new List<double>()).ToArray();
        var rounds = Math.Max(1, runs / RunsPerRound);
        for (var round = -1; round < rounds; round++)
        {
            for (var i = 0; i < sessions.Count; i++)
            {
                for (var r = 0; r < RunsPerRound; r++)
                {
                    var started = Stopwatch.GetTimestamp();
                    sessions[i].Session.Run(inputs[i]).Dispose();
                    if (round >= 0)
                    {
                        times[i].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }
            }
        }

        return sessions.Select((s, i) => (s.Name, Median(times[i]))).ToDictionary(p => p.Name, p => p.Item2, StringComparer.Ordinal);
    }

    public static int CountedRuns(int runs) => Math.Max(1, runs / RunsPerRound) * RunsPerRound;

    private static NamedOnnxValue[] RandomInput(ModelManifest manifest)
    {
        var input = new DenseTensor<float>([1, 3, manifest.Input.Height, manifest.Input.Width]);
        var random = new Random(1);
        for (var i = 0; i < input.Length; i++)
        {
            input.SetValue(i, (float)random.NextDouble());
        }

        return [NamedOnnxValue.CreateFromTensor(manifest.Input.Name, input)];
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
