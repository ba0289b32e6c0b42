using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Tests.Models;

namespace SegMan.Edge.Pipeline.Tests.Inference;

public sealed class TensorRtProviderSettingsTests
{
    [Fact]
    public void Options_become_trt_provider_keys_and_the_cache_folders_exist()
    {
        using var folder = new TemporaryFolder();
        var options = new InferenceOptions
        {
            Path = "m.onnx",
            DeviceId = 1,
            TensorRt = new TensorRtOptions
            {
                EngineCacheDir = Path.Combine(folder.Path, "engines"),
                TimingCacheDir = Path.Combine(folder.Path, "timing"),
                Fp16 = true,
                PluginLibrary = Path.Combine(folder.Path, "libsegman_trt_plugins.so"),
            },
        };

        var settings = TensorRtProviderSettings.Build(options, TestModels.ManifestOf("custom-op"));

        Assert.Equal("1", settings["device_id"]);
        Assert.Equal("1", settings["trt_fp16_enable"]);
        Assert.Equal("0", settings["trt_int8_enable"]);
        Assert.Equal("1", settings["trt_engine_cache_enable"]);
        Assert.Equal(Path.Combine(folder.Path, "engines"), settings["trt_engine_cache_path"]);
        Assert.Equal("1", settings["trt_timing_cache_enable"]);
        Assert.Equal(Path.Combine(folder.Path, "timing"), settings["trt_timing_cache_path"]);
        Assert.Equal(Path.Combine(folder.Path, "libsegman_trt_plugins.so"), settings["trt_extra_plugin_lib_paths"]);
        Assert.True(Directory.Exists(Path.Combine(folder.Path, "engines")));
        Assert.True(Directory.Exists(Path.Combine(folder.Path, "timing")));
    }

    [Fact]
    public void Empty_cache_folders_disable_the_caches_and_plain_models_get_no_plugins()
    {
        var options = new InferenceOptions
        {
            Path = "m.onnx",
            TensorRt = new TensorRtOptions { EngineCacheDir = "", TimingCacheDir = null, PluginLibrary = "/opt/plugins.so" },
        };

        var settings = TensorRtProviderSettings.Build(options, TestModels.ManifestOf("logits"));

        Assert.Equal(["device_id", "trt_fp16_enable", "trt_int8_enable"], settings.Keys.Order(StringComparer.Ordinal));
    }
}
