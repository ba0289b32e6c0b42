namespace SegMan.Edge.Agent.Configuration;

/// <summary>
/// Where the agent finds its configuration and resolves relative paths (models, sample video, spool): the content root,
/// which is the working directory when it holds <c>config/appsettings.json</c>, else the nearest folder above the
/// application that does (a source checkout), else the application folder (a published install).
/// </summary>
public sealed record AgentPaths(string ContentRoot, string ConfigFile)
{
    public const string DefaultConfigFile = "config/appsettings.json";

    public static AgentPaths Discover(string? configFile, string workingDirectory, string applicationDirectory)
    {
        if (!string.IsNullOrWhiteSpace(configFile))
        {
            var full = Path.GetFullPath(configFile, workingDirectory);
            var folder = Path.GetDirectoryName(full)!;

            // A config file inside a "config" folder resolves paths against that folder's parent, like the default layout.
            var root = string.Equals(Path.GetFileName(folder), "config", StringComparison.Ordinal) ? Path.GetDirectoryName(folder)! : folder;
            return new AgentPaths(root, full);
        }

        foreach (var start in new[] { workingDirectory, applicationDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, DefaultConfigFile);
                if (File.Exists(candidate))
                {
                    return new AgentPaths(dir.FullName, candidate);
                }

                if (start == workingDirectory)
                {
                    break;
                }
            }
        }

        return new AgentPaths(applicationDirectory, Path.Combine(applicationDirectory, DefaultConfigFile));
    }

    /// <summary>Makes a configured path absolute against the content root; absolute paths and null pass through.</summary>
    public string? Resolve(string? path) =>
        string.IsNullOrWhiteSpace(path) || Path.IsPathRooted(path) ? path : Path.GetFullPath(path, ContentRoot);
}
