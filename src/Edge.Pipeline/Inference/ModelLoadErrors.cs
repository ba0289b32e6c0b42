using Microsoft.ML.OnnxRuntime;
using SegMan.Edge.Pipeline.Models;

namespace SegMan.Edge.Pipeline.Inference;

/// <summary>Turns ONNX Runtime's load failures into <see cref="ModelLoadException"/>s that say what is wrong and what to do.</summary>
internal static class ModelLoadErrors
{
    public static ModelLoadException NotFound(string modelPath) => new(
        $"Model file not found: {modelPath}. Set {InferenceOptions.SectionName}:Path to an existing .onnx file " +
        "(with its manifest <model>.json beside it).");

    public static ModelLoadException FromRuntime(OnnxRuntimeException ex, string modelPath, ModelManifest manifest)
    {
        var message = ex.Message;
        if (message.Contains("Protobuf parsing failed", StringComparison.OrdinalIgnoreCase)
            || message.Contains("InvalidProtobuf", StringComparison.OrdinalIgnoreCase))
        {
            return new ModelLoadException(
                $"Model file {modelPath} ({SizeOf(modelPath)}) is not a valid ONNX model: it is corrupt or truncated. " +
                $"Copy or export it again. ONNX Runtime said: {message}", ex);
        }

        if (message.Contains("is not a registered function/op", StringComparison.OrdinalIgnoreCase)
            || message.Contains("No opset import for domain", StringComparison.OrdinalIgnoreCase)
            || message.Contains("Could not find an implementation", StringComparison.OrdinalIgnoreCase))
        {
            var hint = manifest.CustomOps.Ops.Count == 0
                ? $"If the graph uses SegMan.Edge custom ops, list them under customOps in {ModelManifestLoader.ManifestPathFor(modelPath)} so that libsegman_ops.so is registered."
                : "Check that libsegman_ops.so implements every op the graph uses (rebuild native/tensorrt-plugins).";
            return new ModelLoadException($"Model {modelPath} uses an op ONNX Runtime cannot run. {hint} ONNX Runtime said: {message}", ex);
        }

        return new ModelLoadException($"ONNX Runtime could not load model {modelPath}: {message}", ex);
    }

    private static string SizeOf(string path)
    {
        try
        {
            return $"{new FileInfo(path).Length} bytes";
        }
        catch (IOException)
        {
            return "size unknown";
        }
    }
}
