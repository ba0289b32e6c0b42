using Microsoft.ML.OnnxRuntime;

namespace SegMan.Edge.Kernels;

/// <summary>
/// Adds ONNX Runtime's TensorRT execution provider with <c>libsegman_trt_plugins.so</c> loaded as an extra plugin
/// library, so that TensorRT runs our custom ops itself. The custom-op library must be registered as well
/// (<see cref="CustomOpLibrary.Register"/>): ONNX Runtime needs its op schemas, and nodes TensorRT declines fall
/// back to its CPU/CUDA kernels.
/// </summary>
public static class TensorRtExecutionProvider
{
    /// <summary>The plugin library's file name on Linux.</summary>
    public const string PluginFileName = "libsegman_trt_plugins.so";

    /// <summary>Environment variable that overrides where the plugin library is looked for.</summary>
    public const string PluginPathVariable = "SEGMAN_TRT_PLUGINS_LIBRARY";

    /// <summary>Finds the plugin library (configured path, environment, next to the app, native build folder).</summary>
    public static string? LocatePlugins(string? configuredPath = null) =>
        NativeLibraryLocator.Locate(PluginFileName, PluginPathVariable, configuredPath);

    /// <summary>
    /// The plugin library for <paramref name="settings"/>: the configured path, which must exist (a path someone set
    /// and got wrong is an error, not a fallback), else the first one the search finds, else null.
    /// </summary>
    public static string? ResolvePlugins(TensorRtExecutionOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var found = LocatePlugins(settings.PluginLibraryPath);
        if (found is null && !string.IsNullOrWhiteSpace(settings.PluginLibraryPath))
        {
            throw new CustomOpLibraryException(
                $"TensorRT's plugin library {PluginFileName} was configured as '{settings.PluginLibraryPath}', which does " +
                "not exist. Build it with native/tensorrt-plugins/build.sh and TENSORRT_INCLUDE_DIR set, and point " +
                $"SegMan:Model:TensorRt:PluginLibrary (or {PluginPathVariable}) at it, or remove the setting.");
        }

        return found;
    }

    /// <summary>Every place the plugin library is looked for when none is configured (for messages).</summary>
    public static IEnumerable<string> PluginCandidates() =>
        NativeLibraryLocator.Candidates(PluginFileName, PluginPathVariable, configuredPath: null);

    /// <summary>
    /// The provider options for <paramref name="settings"/> with <paramref name="pluginLibraryPath"/> (null: none), and
    /// the cache folders created, so that the first build can save its engine.
    /// </summary>
    public static Dictionary<string, string> ProviderOptions(TensorRtExecutionOptions settings, string? pluginLibraryPath)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var providerOptions = settings.ToProviderOptions(pluginLibraryPath);
        foreach (var folder in new[] { settings.EngineCacheDirectory, settings.TimingCacheDirectory })
        {
            if (folder is not null)
            {
                Directory.CreateDirectory(folder);
            }
        }

        return providerOptions;
    }

    /// <summary>Appends the TensorRT execution provider to <paramref name="options"/>.</summary>
    public static void Append(SessionOptions options, TensorRtExecutionOptions settings, string? pluginLibraryPath)
    {
        ArgumentNullException.ThrowIfNull(options);
        var providerOptions = ProviderOptions(settings, pluginLibraryPath);
        using var tensorRt = new OrtTensorRTProviderOptions();
        tensorRt.UpdateOptions(providerOptions);
        options.AppendExecutionProvider_Tensorrt(tensorRt);
    }
}
