namespace SegMan.Edge.Pipeline.Tests.Capture;

/// <summary>Finds files under the test project's TestData/capture folder from the test binaries' folder.</summary>
internal static class TestData
{
    /// <summary>Debian's interpreter, which has python3-gi; another python3 on the PATH may not.</summary>
    public static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    public static string CapturePath(string fileName)
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            string candidate = Path.Combine(folder.FullName, "TestData", "capture", fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"TestData/capture/{fileName} was not found above {AppContext.BaseDirectory}.");
    }
}
