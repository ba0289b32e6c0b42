namespace SegMan.Edge.Integration.Tests;

/// <summary>Locates the repository the tests run from (tests use the real models, samples and tools it ships).</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SegMan.Edge.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Run the tests from inside the SegMan.Edge repository (SegMan.Edge.sln not found above the test binaries).");
    }
}
