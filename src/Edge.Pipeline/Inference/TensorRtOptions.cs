namespace SegMan.Edge.Pipeline.Inference;

/// <summary>TensorRT execution provider settings (<c>SegMan:Model:TensorRt</c>).</summary>
public sealed record TensorRtOptions
{
    /// <summary>Where built engines are kept, so later starts skip the minutes-long build. Empty disables the cache.</summary>
    public string? EngineCacheDir { get; set; } = "artifacts/tensorrt/engines";

    /// <summary>Where the layer timing cache is kept (speeds up rebuilding engines). Empty disables it.</summary>
    public string? TimingCacheDir { get; set; } = "artifacts/tensorrt/timing";

    public bool Fp16 { get; set; }

    public bool Int8 { get; set; }

    /// <summary>
    /// TensorRT INT8 calibration table, a file name inside <see cref="EngineCacheDir"/>: needed with <see cref="Int8"/>
    /// for a model without quantisation scales (the int8 QDQ export carries its own).
    /// </summary>
    public string? Int8CalibrationTable { get; set; }

    /// <summary>Path of <c>libsegman_trt_plugins.so</c>, the TensorRT plugins for our custom ops.</summary>
    public string? PluginLibrary { get; set; }
}
