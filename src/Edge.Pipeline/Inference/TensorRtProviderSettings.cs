using SegMan.Edge.Kernels;
using SegMan.Edge.Pipeline.Models;

namespace SegMan.Edge.Pipeline.Inference;

/// <summary>Maps <see cref="TensorRtOptions"/> onto the TensorRT provider settings that Edge.Kernels turns into <c>trt_*</c> keys.</summary>
internal static class TensorRtProviderSettings
{
    public static TensorRtExecutionOptions For(InferenceOptions options, ModelManifest manifest, string modelPath)
    {
        var tensorRt = options.TensorRt;
        var calibrationTable = Blank(tensorRt.Int8CalibrationTable);
        if (tensorRt.Int8 && calibrationTable is null && manifest.Precision != "int8")
        {
            // TensorRT needs a scale for every tensor it runs in INT8: a QDQ model carries them, an fp32 one does not.
            throw new ModelLoadException(
                $"{InferenceOptions.SectionName}:TensorRt:Int8 is on, but {modelPath} is a {manifest.Precision} model without " +
                "quantisation scales and no Int8CalibrationTable is set. Use the int8 (QDQ) export of the model, set " +
                $"{InferenceOptions.SectionName}:TensorRt:Int8CalibrationTable, or turn Int8 off (Fp16 needs no scales).");
        }

        if (calibrationTable is not null && manifest.Precision == "int8")
        {
            // TensorRT refuses a calibration table for a graph with Q/DQ nodes: their scales are the calibration.
            throw new ModelLoadException(
                $"{InferenceOptions.SectionName}:TensorRt:Int8CalibrationTable is set, but {modelPath} is an int8 (QDQ) " +
                "model that carries its own scales, and TensorRT refuses a table for it: remove Int8CalibrationTable.");
        }

        return new TensorRtExecutionOptions
        {
            DeviceId = options.DeviceId,
            PluginLibraryPath = Blank(tensorRt.PluginLibrary),
            EngineCacheDirectory = FullPath(tensorRt.EngineCacheDir),
            TimingCacheDirectory = FullPath(tensorRt.TimingCacheDir),
            Fp16 = tensorRt.Fp16,
            Int8 = tensorRt.Int8,
            Int8CalibrationTable = calibrationTable,
        };
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static string? FullPath(string? folder) => Blank(folder) is { } path ? Path.GetFullPath(path) : null;
}
