using Microsoft.ML.OnnxRuntime;

namespace SegMan.Edge.Kernels;

/// <summary>
/// Finds and registers <c>libsegman_ops.so</c>, the ONNX Runtime custom-op library that implements the
/// <c>com.segman.edge</c> ops (see native/tensorrt-plugins/OPS.md).
/// </summary>
public static class CustomOpLibrary
{
    /// <summary>The ONNX domain of every SegMan.Edge custom op.</summary>
    public const string Domain = "com.segman.edge";

    /// <summary>The library's file name on Linux.</summary>
    public const string FileName = "libsegman_ops.so";

    /// <summary>Environment variable that overrides where the library is looked for.</summary>
    public const string PathVariable = "SEGMAN_OPS_LIBRARY";

    /// <summary>The ONNX Runtime session setting that <see cref="Register"/> turns off (see there why).</summary>
    public const string IntraOpSpinningKey = "session.intra_op.allow_spinning";

    /// <summary>
    /// Looks for the library: the configured path, then <see cref="PathVariable"/>, then next to the application,
    /// then a native build folder in the source tree above the application. Returns null when none exists.
    /// </summary>
    public static string? Locate(string? configuredPath = null) =>
        NativeLibraryLocator.Locate(FileName, PathVariable, configuredPath);

    /// <summary>
    /// Registers the library with <paramref name="options"/> and returns the path used.
    /// Throws <see cref="CustomOpLibraryException"/> naming where it looked and how to fix it.
    /// </summary>
    public static string Register(SessionOptions options, string? configuredPath = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = Locate(configuredPath) ?? throw new CustomOpLibraryException(
            $"The model needs the custom-op library {FileName} (domain {Domain}), but it was not found. Looked in: " +
            string.Join(", ", Candidates(configuredPath)) +
            $". Build it with native/tensorrt-plugins/build.sh, or set SegMan:Model:CustomOpLibrary (or {PathVariable}) to its path.");
        try
        {
            options.RegisterCustomOpLibrary(path);

            // The library's CPU kernels run their own worker threads on the cores of ONNX Runtime's intra-op pool.
            // Pool threads that spin while a custom node runs take those cores from them: on 2 cores the demo model
            // ran at about 170 ms per frame with spinning and about 100 ms without (segman-bench spinning).
            options.AddSessionConfigEntry(IntraOpSpinningKey, "0");
        }
        catch (OnnxRuntimeException ex)
        {
            throw new CustomOpLibraryException(
                $"ONNX Runtime could not load the custom-op library '{path}': {ex.Message}. " +
                "Rebuild it against the ONNX Runtime version the agent ships with (native/tensorrt-plugins/build.sh).", ex);
        }

        return path;
    }

    private static IEnumerable<string> Candidates(string? configuredPath) =>
        NativeLibraryLocator.Candidates(FileName, PathVariable, configuredPath);
}
