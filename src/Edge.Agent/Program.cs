using SegMan.Edge.Agent;
using SegMan.Edge.Agent.Configuration;

// segman-edge [run|check] [--config <file>] [--Section:Key=value ...]
var (verb, configFile, rest) = CommandLine.Parse(args);
var paths = AgentPaths.Discover(configFile, Environment.CurrentDirectory, AppContext.BaseDirectory);
if (!File.Exists(paths.ConfigFile))
{
    await Console.Error.WriteLineAsync($"Configuration file not found: {paths.ConfigFile}. Pass --config <file> or run from the folder that holds config/appsettings.json.");
    return 2;
}

try
{
    using var host = AgentHost.Build(paths, rest);
    return verb switch
    {
        "check" => await CheckCommand.RunAsync(host, Console.Out),
        _ => await AgentHost.RunAsync(host),
    };
}
catch (Exception ex) when (ConfigurationErrors.Collect(ex) is { } failures)
{
    await Console.Error.WriteLineAsync("Configuration is invalid:");
    foreach (var failure in failures)
    {
        await Console.Error.WriteLineAsync($"  - {failure}");
    }

    return 2;
}
catch (Exception ex) when (StartupErrors.IsKnown(ex))
{
    await Console.Error.WriteLineAsync($"Cannot start: {ex.Message}");
    return 3;
}
