namespace SegMan.Edge.Pipeline.Tests.Publishing.Support;

/// <summary>A fresh temporary folder, deleted at dispose.</summary>
internal sealed class TestDirectory : IDisposable
{
    public TestDirectory() => Path = Directory.CreateTempSubdirectory("segman-mqtt-").FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A broker may still hold a file for a moment; the OS cleans temp folders.
        }
    }
}
