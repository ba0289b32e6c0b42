using System.Globalization;
using SegMan.Edge.Pipeline.Models;

namespace SegMan.Edge.Pipeline.Inference;

/// <summary>The ONNX Runtime TensorRT provider options (<c>trt_*</c> keys) for <see cref="TensorRtOptions"/>.</summary>
internal static class TensorRtProviderSettings
{
    public static Dictionary<string, string> Build(InferenceOptions options, ModelManifest manifest)
    {
        var tensorRt = options.TensorRt;
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["device_id"] = options.DeviceId.ToString(CultureInfo.InvariantCulture),
            ["trt_fp16_enable"] = Flag(tensorRt.Fp16),
            ["trt_int8_enable"] = Flag(tensorRt.Int8),
        };

        if (!string.IsNullOrWhiteSpace(tensorRt.EngineCacheDir))
        {
            Directory.CreateDirectory(tensorRt.EngineCacheDir);
            settings["trt_engine_cache_enable"] = "1";
            settings["trt_engine_cache_path"] = Path.GetFullPath(tensorRt.EngineCacheDir);
        }

        if (!string.IsNullOrWhiteSpace(tensorRt.TimingCacheDir))
        {
            Directory.CreateDirectory(tensorRt.TimingCacheDir);
            settings["trt_timing_cache_enable"] = "1";
            settings["trt_timing_cache_path"] = Path.GetFullPath(tensorRt.TimingCacheDir);
        }

        if (manifest.CustomOps.Ops.Count > 0 && !string.IsNullOrWhiteSpace(tensorRt.PluginLibrary))
        {
            settings["trt_extra_plugin_lib_paths"] = Path.GetFullPath(tensorRt.PluginLibrary);
        }

        return settings;
    }

    private static string Flag(bool value) => value ? "1" : "0";
}
