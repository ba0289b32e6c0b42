using Microsoft.Extensions.Options;

namespace SegMan.Edge.Pipeline.Inference;

/// <summary>Checks <see cref="InferenceOptions"/>; every message names the <c>SegMan:Model</c> key and the fix.</summary>
public sealed class InferenceOptionsValidator : IValidateOptions<InferenceOptions>
{
    private const string Section = InferenceOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, InferenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        if (string.IsNullOrWhiteSpace(options.Path))
        {
            failures.Add($"{Section}:Path is required: set it to the .onnx model file (its manifest <model>.json lies beside it).");
        }
        else if (!options.Path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{Section}:Path '{options.Path}' is not an .onnx file: point it at the model, not at its manifest or folder.");
        }

        if (!ExecutionProviderNames.TryParse(options.ExecutionProvider, out _))
        {
            failures.Add($"{Section}:ExecutionProvider '{options.ExecutionProvider}' is not known: use cpu, cuda or tensorrt.");
        }

        if (options.IntraOpThreads < 0)
        {
            failures.Add($"{Section}:IntraOpThreads is {options.IntraOpThreads}: use 0 (ONNX Runtime's default) or a positive thread count.");
        }

        if (options.DeviceId < 0)
        {
            failures.Add($"{Section}:DeviceId is {options.DeviceId}: use the GPU index (0 for the first GPU).");
        }

        if (options.CustomOpLibrary is { } library && string.IsNullOrWhiteSpace(library))
        {
            failures.Add($"{Section}:CustomOpLibrary is blank: remove it (the library is then searched for) or set the path of libsegman_ops.so.");
        }

        if (options.TensorRt is null)
        {
            failures.Add($"{Section}:TensorRt must be an object (or left out for the defaults).");
        }
        else
        {
            ValidateTensorRt(options.TensorRt, failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateTensorRt(TensorRtOptions tensorRt, List<string> failures)
    {
        if (tensorRt.PluginLibrary is { } plugins && string.IsNullOrWhiteSpace(plugins))
        {
            failures.Add($"{Section}:TensorRt:PluginLibrary is blank: remove it or set the path of libsegman_trt_plugins.so.");
        }

        if (string.IsNullOrWhiteSpace(tensorRt.Int8CalibrationTable))
        {
            return;
        }

        if (!tensorRt.Int8)
        {
            failures.Add($"{Section}:TensorRt:Int8CalibrationTable is set but Int8 is off: set Int8 to true, or remove the table.");
        }

        if (string.IsNullOrWhiteSpace(tensorRt.EngineCacheDir))
        {
            failures.Add(
                $"{Section}:TensorRt:Int8CalibrationTable is read from the engine cache folder, but EngineCacheDir is empty: " +
                "set EngineCacheDir to the folder that holds the table.");
        }
    }
}
