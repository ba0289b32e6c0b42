using System.Globalization;

namespace SegMan.Edge.Bench;

/// <summary>
/// Options of <c>segman-bench soak</c>: how long, how many cameras, how often the broker goes away and for how long,
/// the summary window, and optionally another model or video (paths relative to the repository root).
/// </summary>
internal sealed record SoakOptions(
    TimeSpan Duration, int Cameras, TimeSpan BrokerPeriod, TimeSpan BrokerDown, int SummarySeconds, string? Model, string? Video)
{
    /// <summary>The whole run, start-up and the final drain included, stays under ten minutes.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(9);

    public static SoakOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            values[args[i]] = args[i + 1];
        }

        double Number(string key, double fallback) =>
            values.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

        var minutes = Number("--minutes", 3);
        var options = new SoakOptions(
            TimeSpan.FromMinutes(minutes),
            (int)Number("--cameras", 4),
            TimeSpan.FromSeconds(Number("--broker-period", 40)),
            TimeSpan.FromSeconds(Number("--broker-down", 5)),
            (int)Number("--summary-seconds", 2),
            values.GetValueOrDefault("--model"),
            values.GetValueOrDefault("--video"));

        if (options.Duration <= TimeSpan.Zero || options.Duration > MaxDuration)
        {
            throw new ArgumentException($"--minutes must be above 0 and at most {MaxDuration.TotalMinutes}, not {minutes}.");
        }

        if (options.Cameras is < 1 or > 16)
        {
            throw new ArgumentException($"--cameras must be from 1 to 16, not {options.Cameras}.");
        }

        if (options.BrokerDown >= options.BrokerPeriod || options.SummarySeconds < 1)
        {
            throw new ArgumentException("--broker-down must be shorter than --broker-period, and --summary-seconds at least 1.");
        }

        return options;
    }
}
