using System.Globalization;

namespace SegMan.Edge.Pipeline.Models;

/// <summary>
/// Compares a manifest with the graph ONNX Runtime loaded and refuses the model when they disagree, naming both
/// values, e.g. "Model input height: manifest says 512, graph says 256 (models/x.onnx)". Symbolic dimensions match any
/// value; the agent then feeds what the manifest says.
/// </summary>
public static class ModelGraphValidator
{
    /// <summary>Throws <see cref="ModelGraphMismatchException"/> listing every difference.</summary>
    public static void Validate(ModelManifest manifest, ModelGraph graph, string modelPath)
    {
        var mismatches = FindMismatches(manifest, graph, modelPath);
        if (mismatches.Count > 0)
        {
            throw new ModelGraphMismatchException(
                string.Join(Environment.NewLine, mismatches) +
                Environment.NewLine + $"Fix the manifest {ModelManifestLoader.ManifestPathFor(modelPath)} or re-export the model so that they agree.");
        }
    }

    /// <summary>Every difference between manifest and graph, one message each (empty when they agree).</summary>
    public static IReadOnlyList<string> FindMismatches(ModelManifest manifest, ModelGraph graph, string modelPath)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(graph);
        var problems = new List<string>();
        var where = $" ({modelPath})";

        if (graph.Inputs.Count != 1)
        {
            problems.Add($"Model inputs: the agent feeds exactly one image input, graph has {graph.Inputs.Count} ({Names(graph.Inputs)}){where}");
        }

        var input = graph.Inputs.FirstOrDefault(t => t.Name == manifest.Input.Name);
        if (input is null)
        {
            problems.Add($"Model input name: manifest says '{manifest.Input.Name}', graph says {Names(graph.Inputs)}{where}");
        }
        else
        {
            CheckInput(manifest.Input, input, where, problems);
        }

        var output = graph.Outputs.FirstOrDefault(t => t.Name == manifest.Output.Name);
        if (output is null)
        {
            problems.Add($"Model output name: manifest says '{manifest.Output.Name}', graph says {Names(graph.Outputs)}{where}");
        }
        else if (manifest.Output.IsLabels)
        {
            CheckLabels(manifest, output, where, problems);
        }
        else
        {
            CheckLogits(manifest, output, where, problems);
        }

        return problems;
    }

    /// <summary>The output shape the agent binds: the graph's dimensions, with symbolic ones taken from the manifest.</summary>
    public static long[] ResolveOutputShape(ModelManifest manifest, GraphTensor output)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(output);
        var expected = ExpectedOutputShape(manifest, output.Rank);
        var shape = new long[output.Rank];
        for (var axis = 0; axis < shape.Length; axis++)
        {
            shape[axis] = output.IsSymbolic(axis) ? expected[axis] : output.Dimensions[axis];
        }

        return shape;
    }

    private static void CheckInput(ModelInputSpec spec, GraphTensor input, string where, List<string> problems)
    {
        if (!string.Equals(input.ElementType, spec.Dtype, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"Model input dtype: manifest says {spec.Dtype}, graph says {input.ElementType}{where}");
        }

        if (input.Rank != 4)
        {
            problems.Add($"Model input shape: manifest says (1, 3, {spec.Height}, {spec.Width}) NCHW, graph says {input.DescribeShape()}{where}");
            return;
        }

        CheckDimension("Model input batch", 1, input, 0, where, problems);
        CheckDimension("Model input channels", 3, input, 1, where, problems);
        CheckDimension("Model input height", spec.Height, input, 2, where, problems);
        CheckDimension("Model input width", spec.Width, input, 3, where, problems);
    }

    private static void CheckLogits(ModelManifest manifest, GraphTensor output, string where, List<string> problems)
    {
        if (output.ElementType is not ("float32" or "float16"))
        {
            problems.Add($"Model output dtype: manifest says logits (float32 or float16), graph says {output.ElementType}{where}");
        }

        if (output.Rank != 4)
        {
            problems.Add($"Model output shape: manifest says logits {Shape(ExpectedOutputShape(manifest, 4))}, graph says {output.DescribeShape()}{where}");
            return;
        }

        var expected = ExpectedOutputShape(manifest, 4);
        CheckDimension("Model output batch", 1, output, 0, where, problems);
        if (!output.IsSymbolic(1) && output.Dimensions[1] != manifest.Classes.Count)
        {
            problems.Add($"Model output classes: manifest lists {manifest.Classes.Count} classes, graph says {output.Dimensions[1]}{where}");
        }

        CheckOutputSize(manifest, expected, output, 2, where, problems);
    }

    private static void CheckLabels(ModelManifest manifest, GraphTensor output, string where, List<string> problems)
    {
        if (output.ElementType is not ("int64" or "uint8"))
        {
            problems.Add($"Model output dtype: manifest says labels (int64 or uint8), graph says {output.ElementType}{where}");
        }

        if (output.Rank is not (3 or 4))
        {
            problems.Add($"Model output shape: manifest says labels {Shape(ExpectedOutputShape(manifest, 3))} or {Shape(ExpectedOutputShape(manifest, 4))}, graph says {output.DescribeShape()}{where}");
            return;
        }

        var expected = ExpectedOutputShape(manifest, output.Rank);
        CheckDimension("Model output batch", 1, output, 0, where, problems);
        if (output.Rank == 4)
        {
            CheckDimension("Model output channels (labels)", 1, output, 1, where, problems);
        }

        CheckOutputSize(manifest, expected, output, output.Rank - 2, where, problems);
    }

    private static void CheckOutputSize(ModelManifest manifest, long[] expected, GraphTensor output, int heightAxis, string where, List<string> problems)
    {
        var stride = manifest.Output.Stride;
        var note = $" (input {manifest.Input.Height}x{manifest.Input.Width} / stride {stride})";
        if (!output.IsSymbolic(heightAxis) && output.Dimensions[heightAxis] != expected[heightAxis])
        {
            problems.Add($"Model output height: manifest says {expected[heightAxis]}{note}, graph says {output.Dimensions[heightAxis]}{where}");
        }

        var widthAxis = heightAxis + 1;
        if (!output.IsSymbolic(widthAxis) && output.Dimensions[widthAxis] != expected[widthAxis])
        {
            problems.Add($"Model output width: manifest says {expected[widthAxis]}{note}, graph says {output.Dimensions[widthAxis]}{where}");
        }
    }

    private static long[] ExpectedOutputShape(ModelManifest manifest, int rank)
    {
        long height = manifest.Input.Height / Math.Max(1, manifest.Output.Stride);
        long width = manifest.Input.Width / Math.Max(1, manifest.Output.Stride);
        return (manifest.Output.IsLabels, rank) switch
        {
            (false, _) => [1, manifest.Classes.Count, height, width],
            (true, 3) => [1, height, width],
            _ => [1, 1, height, width],
        };
    }

    private static void CheckDimension(string what, long expected, GraphTensor tensor, int axis, string where, List<string> problems)
    {
        if (!tensor.IsSymbolic(axis) && tensor.Dimensions[axis] != expected)
        {
            problems.Add($"{what}: manifest says {expected}, graph says {tensor.Dimensions[axis]}{where}");
        }
    }

    private static string Shape(long[] shape) =>
        "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";

    private static string Names(IReadOnlyList<GraphTensor> tensors) =>
        tensors.Count == 0 ? "none" : string.Join(", ", tensors.Select(t => $"'{t.Name}'"));
}
