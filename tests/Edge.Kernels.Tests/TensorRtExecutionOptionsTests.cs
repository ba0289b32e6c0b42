namespace SegMan.Edge.Kernels.Tests;

public sealed class TensorRtExecutionOptionsTests
{
    [Fact]
    public void ProviderOptionsCarryPluginCachesAndPrecision()
    {
        var settings = new TensorRtExecutionOptions
        {
            DeviceId = 1,
            EngineCacheDirectory = "/var/cache/segman/engines",
            TimingCacheDirectory = "/var/cache/segman/timing",
            Fp16 = true,
            MaxWorkspaceBytes = 1L << 30,
        };
        var options = settings.ToProviderOptions("/opt/segman/libsegman_trt_plugins.so");
        Assert.Equal("1", options["device_id"]);
        Assert.Equal("/opt/segman/libsegman_trt_plugins.so", options["trt_extra_plugin_lib_paths"]);
        Assert.Equal("1", options["trt_fp16_enable"]);
        Assert.Equal("0", options["trt_int8_enable"]);
        Assert.Equal("1", options["trt_engine_cache_enable"]);
        Assert.Equal("/var/cache/segman/engines", options["trt_engine_cache_path"]);
        Assert.Equal("1", options["trt_timing_cache_enable"]);
        Assert.Equal("/var/cache/segman/timing", options["trt_timing_cache_path"]);
        Assert.Equal("1073741824", options["trt_max_workspace_size"]);
        Assert.False(options.ContainsKey("trt_int8_calibration_table_name"));
    }

    [Fact]
    public void CachesAreOffUnlessAFolderIsGiven()
    {
        var options = new TensorRtExecutionOptions().ToProviderOptions("libsegman_trt_plugins.so");
        Assert.Equal("0", options["trt_engine_cache_enable"]);
        Assert.Equal("0", options["trt_timing_cache_enable"]);
        Assert.False(options.ContainsKey("trt_engine_cache_path"));
    }

    [Fact]
    public void ModelsWithoutCustomOpsGetNoPluginLibrary()
    {
        var options = TensorRtExecutionProvider.ProviderOptions(new TensorRtExecutionOptions(), pluginLibraryPath: null);
        Assert.False(options.ContainsKey("trt_extra_plugin_lib_paths"));
    }

    [Theory]
    [InlineData(-1, false, null, null, "DeviceId")]
    [InlineData(0, false, "calib.flatbuffers", "/cache", "Int8 is off")]
    [InlineData(0, true, "calib.flatbuffers", null, "EngineCacheDirectory")]
    public void InvalidSettingsNameTheSetting(int device, bool int8, string? table, string? cache, string expected)
    {
        var settings = new TensorRtExecutionOptions
        {
            DeviceId = device, Int8 = int8, Int8CalibrationTable = table, EngineCacheDirectory = cache,
        };
        var error = Assert.Throws<ArgumentException>(() => settings.ToProviderOptions("libsegman_trt_plugins.so"));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void MissingPluginLibraryIsReportedWithTheFix()
    {
        var settings = new TensorRtExecutionOptions { PluginLibraryPath = "/nonexistent/libsegman_trt_plugins.so" };
        var error = Assert.Throws<CustomOpLibraryException>(() => TensorRtExecutionProvider.ResolvePlugins(settings));
        Assert.Contains("/nonexistent/libsegman_trt_plugins.so", error.Message);
        Assert.Contains("TENSORRT_INCLUDE_DIR", error.Message);
        Assert.Contains("SegMan:Model:TensorRt:PluginLibrary", error.Message);
    }
}
