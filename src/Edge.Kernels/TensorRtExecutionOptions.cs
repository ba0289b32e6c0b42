using System.Globalization;

namespace SegMan.Edge.Kernels;

/// <summary>
/// Settings of ONNX Runtime's TensorRT execution provider for a SegMAN model with our custom ops: the plugin
/// library that implements them inside TensorRT, where built engines and timing data are cached, and precision.
/// </summary>
public sealed record TensorRtExecutionOptions
{
    /// <summary>CUDA device ordinal.</summary>
    public int DeviceId { get; init; }

    /// <summary>Path of <c>libsegman_trt_plugins.so</c>; null looks it up like the custom-op library.</summary>
    public string? PluginLibraryPath { get; init; }

    /// <summary>Folder for built engines; null disables the engine cache (every start rebuilds, which takes minutes).</summary>
    public string? EngineCacheDirectory { get; init; }

    /// <summary>Folder for TensorRT's timing cache, which shortens rebuilds; null disables it.</summary>
    public string? TimingCacheDirectory { get; init; }

    /// <summary>Let TensorRT run layers in FP16.</summary>
    public bool Fp16 { get; init; }

    /// <summary>Let TensorRT run layers in INT8; needs <see cref="Int8CalibrationTable"/> unless the model is QDQ.</summary>
    public bool Int8 { get; init; }

    /// <summary>INT8 calibration table file name (inside <see cref="EngineCacheDirectory"/> as ONNX Runtime expects).</summary>
    public string? Int8CalibrationTable { get; init; }

    /// <summary>Builder workspace limit in bytes; null keeps ONNX Runtime's default.</summary>
    public long? MaxWorkspaceBytes { get; init; }

    /// <summary>
    /// The provider option dictionary for <c>SessionOptions.AppendExecutionProvider("TensorRT", …)</c> or
    /// <c>OrtTensorRTProviderOptions.UpdateOptions</c>. <paramref name="pluginLibraryPath"/> is the resolved plugin path,
    /// or null for a model without our custom ops.
    /// </summary>
    public Dictionary<string, string> ToProviderOptions(string? pluginLibraryPath)
    {
        if (pluginLibraryPath is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(pluginLibraryPath);
        }

        Validate();
        var options = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["device_id"] = DeviceId.ToString(CultureInfo.InvariantCulture),
            ["trt_fp16_enable"] = Flag(Fp16),
            ["trt_int8_enable"] = Flag(Int8),
            ["trt_engine_cache_enable"] = Flag(EngineCacheDirectory is not null),
            ["trt_timing_cache_enable"] = Flag(TimingCacheDirectory is not null),
        };
        if (pluginLibraryPath is not null)
        {
            options["trt_extra_plugin_lib_paths"] = pluginLibraryPath;
        }

        if (EngineCacheDirectory is not null)
        {
            options["trt_engine_cache_path"] = EngineCacheDirectory;
        }

        if (TimingCacheDirectory is not null)
        {
            options["trt_timing_cache_path"] = TimingCacheDirectory;
        }

        if (Int8CalibrationTable is not null)
        {
            options["trt_int8_calibration_table_name"] = Int8CalibrationTable;
        }

        if (MaxWorkspaceBytes is { } bytes)
        {
            options["trt_max_workspace_size"] = bytes.ToString(CultureInfo.InvariantCulture);
        }

        return options;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting that is out of range.</summary>
    public void Validate()
    {
        if (DeviceId < 0)
        {
            throw new ArgumentException($"TensorRT DeviceId must be >= 0, got {DeviceId}.");
        }

        if (MaxWorkspaceBytes is <= 0)
        {
            throw new ArgumentException($"TensorRT MaxWorkspaceBytes must be positive, got {MaxWorkspaceBytes}.");
        }

        if (Int8CalibrationTable is not null && !Int8)
        {
            throw new ArgumentException("TensorRT Int8CalibrationTable is set but Int8 is off; enable Int8 or drop the table.");
        }

        if (Int8CalibrationTable is not null && EngineCacheDirectory is null)
        {
            throw new ArgumentException(
                "TensorRT Int8CalibrationTable is read from the engine cache folder; set EngineCacheDirectory as well.");
        }
    }

    private static string Flag(bool value) => value ? "1" : "0";
}
