using System.Globalization;

namespace SegMan.Edge.Bench;

/// <summary>Command-line options of the benchmarks; paths are relative to the repository root.</summary>
internal sealed record BenchOptions(string Command, string Model, string? Against, string Video, string Data, int Frames, int Warmup, bool Mqtt)
{
    public static BenchOptions Parse(string[] args)
    {
        var root = FindRepositoryRoot();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i++)
        {
            if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                values[args[i]] = args[++i];
            }
            else
            {
                flags.Add(args[i]);
            }
        }

        string Path(string key, string fallback) => System.IO.Path.GetFullPath(values.GetValueOrDefault(key, fallback), root);
        int Int(string key, int fallback) => values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

        return new BenchOptions(
            args.Length > 0 ? args[0] : "",
            Path("--model", "models/segman-demo-fp32.onnx"),
            values.ContainsKey("--against") ? Path("--against", "") : null,
            Path("--video", "samples/drive.mp4"),
            Path("--data", "bench/data/val"),
            Int("--frames", 200),
            Int("--warmup", 20),
            flags.Contains("--mqtt"));
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "SegMan.Edge.sln")))
            {
                return dir.FullName;
            }
        }

        return Environment.CurrentDirectory;
    }
}
