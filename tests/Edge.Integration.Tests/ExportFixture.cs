using System.Text.Json;

namespace SegMan.Edge.Integration.Tests;

/// <summary>
/// Exports a random-weights SegMAN twice (standard ops only, and with our custom ops) together with PyTorch's output for
/// one input, by running the repository's own exporter (<c>python -m segman.fixtures</c>) once per test run.
/// The default is the small <c>nano</c> build of the architecture.
/// </summary>
public class ExportFixture : IAsyncLifetime
{
    private readonly string[] _model;

    public ExportFixture()
        : this([])
    {
    }

    protected ExportFixture(string[] model) => _model = model;

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
            ["-m", "segman.fixtures", "--out", Folder, .. _model]);
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

/// <summary>The same for SegMAN-T itself (all four stages at their real widths, 224×224 input).</summary>
public sealed class SegManTinyExportFixture() : ExportFixture(["--variant", "T", "--height", "224", "--width", "224"]);
