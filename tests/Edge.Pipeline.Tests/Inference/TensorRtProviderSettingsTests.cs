using SegMan.Edge.Kernels;
using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Models;
using SegMan.Edge.Pipeline.Tests.Models;

namespace SegMan.Edge.Pipeline.Tests.Inference;

public sealed class TensorRtProviderSettingsTests
{
    [Fact]
    public void Options_become_trt_provider_keys_and_the_cache_folders_exist()
    {
        using var folder = new TemporaryFolder();
        var plugins = Path.Combine(folder.Path, "libsegman_trt_plugins.so");
        File.WriteAllBytes(plugins, []);
        var options = new InferenceOptions
        {
            Path = "m.onnx",
            DeviceId = 1,
            TensorRt = new TensorRtOptions
            {
                EngineCacheDir = Path.Combine(folder.Path, "engines"),
                TimingCacheDir = Path.Combine(folder.Path, "timing"),
                Fp16 = true,
                PluginLibrary = plugins,
            },
        };

        var execution = TensorRtProviderSettings.For(options, TestModels.ManifestOf("custom-op"), "m.onnx");
        var settings = TensorRtExecutionProvider.ProviderOptions(execution, TensorRtExecutionProvider.ResolvePlugins(execution));

        Assert.Equal("1", settings["device_id"]);
        Assert.Equal("1", settings["trt_fp16_enable"]);
        Assert.Equal("0", settings["trt_int8_enable"]);
        Assert.Equal("1", settings["trt_engine_cache_enable"]);
        Assert.Equal(Path.Combine(folder.Path, "engines"), settings["trt_engine_cache_path"]);
        Assert.Equal("1", settings["trt_timing_cache_enable"]);
        Assert.Equal(Path.Combine(folder.Path, "timing"), settings["trt_timing_cache_path"]);
        Assert.Equal(plugins, settings["trt_extra_plugin_lib_paths"]);
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

        var settings = TensorRtExecutionProvider.ProviderOptions(
            TensorRtProviderSettings.For(options, TestModels.ManifestOf("logits"), "m.onnx"), pluginLibraryPath: null);

        Assert.Equal(
            ["device_id", "trt_engine_cache_enable", "trt_fp16_enable", "trt_int8_enable", "trt_timing_cache_enable"],
            settings.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("0", settings["trt_engine_cache_enable"]);
        Assert.Equal("0", settings["trt_timing_cache_enable"]);
    }

    [Fact]
    public void Int8_on_a_model_without_scales_or_a_calibration_table_is_refused_naming_the_three_fixes()
    {
        var options = new InferenceOptions { Path = "m.onnx", TensorRt = new TensorRtOptions { Int8 = true } };
        var fp32 = TestModels.ManifestOf("logits");

        var error = Assert.Throws<ModelLoadException>(() => TensorRtProviderSettings.For(options, fp32, "models/m.onnx"));

        Assert.Contains("SegMan:Model:TensorRt:Int8 is on, but models/m.onnx is a fp32 model", error.Message, StringComparison.Ordinal);
        Assert.Contains("int8 (QDQ) export", error.Message, StringComparison.Ordinal);
        Assert.Contains("Int8CalibrationTable", error.Message, StringComparison.Ordinal);
        Assert.Contains("turn Int8 off", error.Message, StringComparison.Ordinal);

        Assert.True(TensorRtProviderSettings.For(options, fp32 with { Precision = "int8" }, "m.onnx").Int8);
        options.TensorRt.Int8CalibrationTable = "calibration.flatbuffers";
        Assert.Equal("calibration.flatbuffers", TensorRtProviderSettings.For(options, fp32, "m.onnx").Int8CalibrationTable);
    }

    [Fact]
    public void A_calibration_table_for_a_model_with_its_own_scales_is_refused()
    {
        var options = new InferenceOptions
        {
            Path = "m.onnx",
            TensorRt = new TensorRtOptions { Int8 = true, Int8CalibrationTable = "calibration.flatbuffers" },
        };
        var int8 = TestModels.ManifestOf("logits") with { Precision = "int8" };

        var error = Assert.Throws<ModelLoadException>(() => TensorRtProviderSettings.For(options, int8, "m.onnx"));

        Assert.Contains("remove Int8CalibrationTable", error.Message, StringComparison.Ordinal);
    }
}
