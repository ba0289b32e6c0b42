namespace SegMan.Edge.Agent;

/// <summary>Splits the command line into the verb, an optional --config file and the configuration overrides.</summary>
internal static class CommandLine
{
    private static readonly string[] Verbs = ["run", "check"];

    public static (string Verb, string? ConfigFile, string[] Overrides) Parse(string[] args)
    {
        var verb = "run";
        string? configFile = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (i == 0 && Verbs.Contains(arg, StringComparer.Ordinal))
            {
                verb = arg;
            }
            else if (arg == "--config" && i + 1 < args.Length)
            {
                configFile = args[++i];
            }
            else if (arg.StartsWith("--config=", StringComparison.Ordinal))
            {
                configFile = arg["--config=".Length..];
            }
            else
            {
                rest.Add(arg);
            }
        }

        return (verb, configFile, [.. rest]);
    }
}
