using System.Text.Json;

namespace SegMan.Edge.Integration.Tests;

/// <summary>
/// Exports a random-weights SegMAN twice (standard ops only, and with our custom ops) together with PyTorch's output for
/// one input, by running the repository's own exporter (<c>python -m segman.fixtures</c>) once per test run.
/// </summary>
public sealed class ExportFixture : IAsyncLifetime
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("segman-export-").FullName;

    public FixtureInfo Info { get; private set; } = null!;

    public float[] Input { get; private set; } = [];

    public float[] Expected { get; private set; } = [];

    public async Task InitializeAsync()
    {
        await ProcessRunner.RunAsync(
            "/usr/bin/python3",
            RepositoryPaths.Combine("tools", "segman"),
            TimeSpan.FromMinutes(5),
            "-m", "segman.fixtures", "--out", Folder);
        Info = JsonSerializer.Deserialize<FixtureInfo>(
            await File.ReadAllTextAsync(Path.Combine(Folder, "fixture.json")),
            new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Input = ReadFloats("input.bin");
        Expected = ReadFloats("expected.bin");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }

    public string PathOf(string file) => Path.Combine(Folder, file);

    private float[] ReadFloats(string file)
    {
        var bytes = File.ReadAllBytes(PathOf(file));
        var values = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    public sealed record FixtureInfo(
        string InputName,
        string OutputName,
        long[] InputShape,
        long[] OutputShape,
        FixtureModels Models,
        FixtureTolerance Tolerance);

    public sealed record FixtureModels(string Decomposed, string CustomOps);

    public sealed record FixtureTolerance(double Relative, double Absolute);
}
