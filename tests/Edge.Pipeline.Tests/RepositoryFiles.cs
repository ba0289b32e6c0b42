using OpenCvSharp;

namespace SegMan.Edge.Pipeline.Tests;

/// <summary>The shipped demo model and the sample drive, found above the test binaries' folder.</summary>
internal static class RepositoryFiles
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>SegMAN T-slim4, fp32, 320×640, with its scans and attentions run by libsegman_ops.</summary>
    public static string DemoModel => Path.Combine(Root.Value, "models", "segman-demo-fp32.onnx");

    /// <summary>The same model quantised (int8 QDQ; the custom ops stay in floating point).</summary>
    public static string DemoModelInt8 => Path.Combine(Root.Value, "models", "segman-demo-int8.onnx");

    /// <summary>36 held-out rendered scenes with their labels (<c>python -m segman.evalset</c>).</summary>
    public static string HeldOutSet => Path.Combine(Root.Value, "bench", "data", "val");

    /// <summary>The small standard-ops colour model kept for tests (512×1024, logits at 1/8).</summary>
    public static string BaselineModel => Path.Combine(Root.Value, "models", "baseline-palette.onnx");

    /// <summary>1024×512 H.264 at 15 fps.</summary>
    public static string DriveVideo => Path.Combine(Root.Value, "samples", "drive.mp4");

    /// <summary>Decodes frame <paramref name="index"/> of the sample drive (BGR).</summary>
    public static Mat ReadDriveFrame(int index)
    {
        using var capture = new VideoCapture(DriveVideo);
        var frame = new Mat();
        for (var i = 0; i <= index; i++)
        {
            if (!capture.Read(frame) || frame.Empty())
            {
                frame.Dispose();
                throw new InvalidOperationException($"{DriveVideo} has no frame {index}.");
            }
        }

        return frame;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "models", "segman-demo-fp32.onnx")) &&
                File.Exists(Path.Combine(dir.FullName, "samples", "drive.mp4")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"models/segman-demo-fp32.onnx and samples/drive.mp4 not found above {AppContext.BaseDirectory}");
    }
}
