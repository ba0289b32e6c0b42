using SegMan.Edge.Pipeline.Inference;

namespace SegMan.Edge.Pipeline.Tests.Inference;

public sealed class InferenceOptionsValidatorTests
{
    private readonly InferenceOptionsValidator _validator = new();

    [Fact]
    public void Defaults_with_a_model_path_are_valid()
    {
        var result = _validator.Validate(null, new InferenceOptions { Path = "models/baseline-palette.onnx" });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("cuda")]
    [InlineData("TensorRT")]
    public void Known_providers_are_accepted(string provider)
    {
        var result = _validator.Validate(null, new InferenceOptions { Path = "m.onnx", ExecutionProvider = provider });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void A_missing_path_names_the_key()
    {
        var result = _validator.Validate(null, new InferenceOptions());

        Assert.True(result.Failed);
        Assert.Contains("SegMan:Model:Path is required", result.FailureMessage);
    }

    [Fact]
    public void Every_bad_value_is_reported_with_its_key_and_the_fix()
    {
        var options = new InferenceOptions
        {
            Path = "models/x.json",
            ExecutionProvider = "gpu",
            IntraOpThreads = -1,
            DeviceId = -2,
            CustomOpLibrary = " ",
            TensorRt = new TensorRtOptions { PluginLibrary = "" },
        };

        var failures = _validator.Validate(null, options).Failures!.ToList();

        Assert.Contains(failures, f => f.StartsWith("SegMan:Model:Path 'models/x.json' is not an .onnx file", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("SegMan:Model:ExecutionProvider 'gpu' is not known: use cpu, cuda or tensorrt", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("SegMan:Model:IntraOpThreads is -1", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("SegMan:Model:DeviceId is -2", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("SegMan:Model:CustomOpLibrary is blank", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("SegMan:Model:TensorRt:PluginLibrary is blank", StringComparison.Ordinal));
        Assert.Equal(6, failures.Count);
    }

    [Fact]
    public void A_calibration_table_needs_int8_on_and_the_engine_cache_folder_it_is_read_from()
    {
        var options = new InferenceOptions
        {
            Path = "m.onnx",
            TensorRt = new TensorRtOptions { Int8CalibrationTable = "calibration.flatbuffers", EngineCacheDir = "" },
        };

        var failures = _validator.Validate(null, options).Failures!.ToList();

        Assert.Equal(2, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("SegMan:Model:TensorRt:Int8CalibrationTable is set but Int8 is off", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("EngineCacheDir is empty", StringComparison.Ordinal));
        options.TensorRt.Int8 = true;
        options.TensorRt.EngineCacheDir = "artifacts/tensorrt/engines";
        Assert.True(_validator.Validate(null, options).Succeeded);
    }
}
