using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace SegMan.Edge.Pipeline.Models;

/// <summary>The inputs and outputs of a loaded ONNX graph, as ONNX Runtime reports them.</summary>
public sealed record ModelGraph(IReadOnlyList<GraphTensor> Inputs, IReadOnlyList<GraphTensor> Outputs)
{
    public static ModelGraph FromSession(InferenceSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return new ModelGraph(Describe(session.InputMetadata), Describe(session.OutputMetadata));
    }

    /// <summary>The manifest's name for an ONNX element type (float32, float16, int64, uint8, ...).</summary>
    public static string ElementTypeName(TensorElementType type) => type switch
    {
        TensorElementType.Float => "float32",
        TensorElementType.Float16 => "float16",
        TensorElementType.Double => "float64",
        TensorElementType.BFloat16 => "bfloat16",
        TensorElementType.Int64 => "int64",
        TensorElementType.Int32 => "int32",
        TensorElementType.Int16 => "int16",
        TensorElementType.Int8 => "int8",
        TensorElementType.UInt8 => "uint8",
        TensorElementType.UInt16 => "uint16",
        TensorElementType.UInt32 => "uint32",
        TensorElementType.UInt64 => "uint64",
        TensorElementType.Bool => "bool",
        TensorElementType.String => "string",
        _ => type.ToString().ToLowerInvariant(),
    };

    private static List<GraphTensor> Describe(IReadOnlyDictionary<string, NodeMetadata> metadata) =>
        metadata.Select(entry => entry.Value.IsTensor
                ? new GraphTensor(
                    entry.Key,
                    ElementTypeName(entry.Value.ElementDataType),
                    entry.Value.Dimensions.Select(d => (long)d).ToArray(),
                    entry.Value.SymbolicDimensions.ToArray())
                : new GraphTensor(entry.Key, entry.Value.OnnxValueType.ToString(), [], []))
            .ToList();
}
