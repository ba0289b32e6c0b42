using SegMan.Edge.Pipeline.Models;

namespace SegMan.Edge.Pipeline.Tests.Models;

/// <summary>
/// The tiny models in TestData/models (made by make_test_models.py). Their "logits" models are one 1x1 convolution at
/// stride 2 over the input normalised to 0..1: class 0 = R, 1 = G, 2 = B, 3 = 0.5 − (R + G + B).
/// </summary>
internal static class TestModels
{
    public const int Height = 8;
    public const int Width = 12;
    public const int Stride = 2;
    public const int Classes = 4;

    private static readonly Lazy<string> Folder = new(FindFolder);

    public static string Directory => Folder.Value;

    public static string PathOf(string name) => Path.Combine(Directory, name + ".onnx");

    public static ModelManifest ManifestOf(string name) => ModelManifestLoader.LoadForModel(PathOf(name));

    /// <summary>The class the test logits models give a pixel of 8-bit RGB values.</summary>
    public static byte ExpectedClass(byte r, byte g, byte b)
    {
        var scores = new[] { r / 255f, g / 255f, b / 255f, 0.5f - ((r + g + b) / 255f) };
        var best = 0;
        for (var c = 1; c < scores.Length; c++)
        {
            if (scores[c] > scores[best])
            {
                best = c;
            }
        }

        return (byte)best;
    }

    /// <summary>Copies a test model (and, unless told otherwise, its manifest) into a fresh temporary folder.</summary>
    public static TemporaryFolder CopyToTemporary(string name, out string modelPath, bool withManifest = true)
    {
        var folder = new TemporaryFolder();
        modelPath = Path.Combine(folder.Path, name + ".onnx");
        File.Copy(PathOf(name), modelPath);
        if (withManifest)
        {
            File.Copy(Path.ChangeExtension(PathOf(name), ".json"), Path.ChangeExtension(modelPath, ".json"));
        }

        return folder;
    }

    private static string FindFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Edge.Pipeline.Tests", "TestData", "models");
            if (File.Exists(Path.Combine(candidate, "logits.onnx")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"tests/Edge.Pipeline.Tests/TestData/models not found above {AppContext.BaseDirectory}");
    }
}
