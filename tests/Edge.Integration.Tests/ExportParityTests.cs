using Microsoft.ML.OnnxRuntime;
using SegMan.Edge.Kernels;

namespace SegMan.Edge.Integration.Tests;

/// <summary>
/// The exported SegMAN graphs, run by the real ONNX Runtime, compute what the PyTorch model computes: the standard-ops
/// graph, and the graph whose SS2D scans and neighborhood attentions are single nodes run by libsegman_ops.
/// </summary>
public class ExportParityTests(ExportFixture fixture) : IClassFixture<ExportFixture>
{
    [Fact]
    public void Decomposed_graph_matches_pytorch()
    {
        using var options = new SessionOptions();
        var actual = Run(fixture.Info.Models.Decomposed, options);

        AssertClose(actual, fixture.Info.Tolerance.Absolute);
    }

    [Fact]
    public void Custom_op_graph_matches_pytorch_through_libsegman_ops()
    {
        using var options = new SessionOptions();
        CustomOpLibrary.Register(options);
        var actual = Run(fixture.Info.Models.CustomOps, options);

        AssertClose(actual, fixture.Info.Tolerance.Absolute);
    }

    [Fact]
    public void Custom_op_graph_without_the_library_is_refused_by_name()
    {
        using var options = new SessionOptions();
        var error = Assert.ThrowsAny<OnnxRuntimeException>(() => new InferenceSession(fixture.PathOf(fixture.Info.Models.CustomOps), options));

        Assert.Contains(CustomOpLibrary.Domain, error.Message, StringComparison.Ordinal);
    }

    private float[] Run(string model, SessionOptions options)
    {
        using var session = new InferenceSession(fixture.PathOf(model), options);
        using var input = OrtValue.CreateTensorValueFromMemory(fixture.Input, fixture.Info.InputShape);
        using var outputs = session.Run(new RunOptions(), [fixture.Info.InputName], [input], [fixture.Info.OutputName]);
        Assert.Equal(fixture.Info.OutputShape, outputs[0].GetTensorTypeAndShape().Shape);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private void AssertClose(float[] actual, double tolerance)
    {
        Assert.Equal(fixture.Expected.Length, actual.Length);
        var worst = 0.0;
        for (var i = 0; i < actual.Length; i++)
        {
            Assert.False(float.IsNaN(actual[i]), $"NaN at {i}");
            worst = Math.Max(worst, Math.Abs(actual[i] - fixture.Expected[i]));
        }

        Assert.True(worst <= tolerance, $"max |onnxruntime - pytorch| = {worst:G4} exceeds {tolerance:G4}");
    }
}

/// <summary>SegMAN-T (random weights): the custom-op graph through libsegman_ops and the standard-ops graph match PyTorch.</summary>
public sealed class SegManTinyExportParityTests(SegManTinyExportFixture fixture) : ExportParityTests(fixture), IClassFixture<SegManTinyExportFixture>;
