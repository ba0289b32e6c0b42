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

    /// <summary>The provider options for <paramref name="settings"/>, with the plugin library resolved.</summary>
    public static Dictionary<string, string> ProviderOptions(TensorRtExecutionOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var plugins = LocatePlugins(settings.PluginLibraryPath) ?? throw new CustomOpLibraryException(
            $"TensorRT needs the plugin library {PluginFileName}, but it was not found. Looked in: " +
            string.Join(", ", NativeLibraryLocator.Candidates(PluginFileName, PluginPathVariable, settings.PluginLibraryPath)) +
            $". Build it with native/tensorrt-plugins/build.sh and TENSORRT_INCLUDE_DIR set, or set {PluginPathVariable}.");
        return settings.ToProviderOptions(plugins);
    }

    /// <summary>Appends the TensorRT execution provider to <paramref name="options"/>.</summary>
    public static void Append(SessionOptions options, TensorRtExecutionOptions settings)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var providerOptions = new OrtTensorRTProviderOptions();
        providerOptions.UpdateOptions(ProviderOptions(settings));
        options.AppendExecutionProvider_Tensorrt(providerOptions);
    }
}
