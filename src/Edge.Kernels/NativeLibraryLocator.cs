namespace SegMan.Edge.Kernels;

/// <summary>
/// Where the native libraries of native/tensorrt-plugins are looked for: a configured path, an environment variable,
/// next to the application, then a native build folder in the source tree above the application.
/// </summary>
internal static class NativeLibraryLocator
{
    private static readonly string[] BuildFolders = ["native/tensorrt-plugins/build", "native/tensorrt-plugins/build/ort"];

    /// <summary>The first existing candidate as a full path, or null.</summary>
    public static string? Locate(string fileName, string environmentVariable, string? configuredPath)
    {
        foreach (var candidate in Candidates(fileName, environmentVariable, configuredPath))
        {
            if (File.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        return null;
    }

    /// <summary>Every place looked at, in order (for error messages).</summary>
    public static IEnumerable<string> Candidates(string fileName, string environmentVariable, string? configuredPath)
    {
        if (!string.IsNullOrWhiteSpace(configuredPath))
        {
            yield return configuredPath;
            yield break;
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(environmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            yield return fromEnvironment;
        }

        yield return Path.Combine(AppContext.BaseDirectory, fileName);
        yield return Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", fileName);

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var folder in BuildFolders)
            {
                var candidate = Path.Combine(dir.FullName, folder, fileName);
                if (File.Exists(candidate))
                {
                    yield return candidate;
                }
            }
        }
    }
}
