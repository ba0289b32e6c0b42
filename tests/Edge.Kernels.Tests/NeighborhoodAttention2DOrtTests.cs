using Microsoft.ML.OnnxRuntime;

namespace SegMan.Edge.Kernels.Tests;

/// <summary>The native NeighborhoodAttention2D kernel, run through ONNX Runtime, against the managed reference.</summary>
public sealed class NeighborhoodAttention2DOrtTests
{
    public static TheoryData<int, int, int, int, int, int, int, bool, bool> Cases => new()
    {
        // batch, heads, height, width, dim, kernel, dilation, bias, fp16
        { 1, 1, 1, 1, 3, 1, 1, false, false },
        { 2, 3, 3, 5, 7, 3, 1, true, false },
        { 1, 2, 7, 8, 5, 7, 1, true, false },
        { 1, 1, 12, 9, 24, 9, 1, false, false },
        { 1, 2, 11, 17, 36, 11, 1, true, false },
        { 2, 1, 10, 13, 4, 3, 2, true, false },
        { 1, 2, 17, 16, 3, 5, 3, false, false },
        { 1, 2, 9, 12, 24, 7, 1, true, true },
        { 1, 1, 14, 22, 9, 7, 2, true, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void NativeKernelMatchesManagedReference(
        int batch, int heads, int height, int width, int dim, int kernel, int dilation, bool bias, bool fp16)
    {
        var shape = new NeighborhoodAttention2DShape(batch, heads, height, width, dim, kernel, dilation);
        var data = new TestData();
        var q = TestData.RoundToHalf(data.Normal(shape.Size, 0.5));
        var k = TestData.RoundToHalf(data.Normal(shape.Size));
        var v = TestData.RoundToHalf(data.Normal(shape.Size));
        var rpb = bias ? TestData.RoundToHalf(data.Normal(shape.BiasSize)) : [];

        var got = Run(shape, fp16, q, k, v, rpb);
        var want = NeighborhoodAttention2DReference.Run(
            shape, TestData.ToDouble(q), TestData.ToDouble(k), TestData.ToDouble(v), TestData.ToDouble(rpb));
        data.AssertClose(got, want, fp16 ? 2e-2 : 1e-5);
    }

    [Fact]
    public void MapSmallerThanTheWindowIsRejectedWithAClearMessage()
    {
        var shape = new NeighborhoodAttention2DShape(1, 1, 4, 9, 4, 5, 1);
        var data = new TestData();
        var error = Assert.Throws<OnnxRuntimeException>(
            () => Run(shape, false, data.Normal(shape.Size), data.Normal(shape.Size), data.Normal(shape.Size), []));
        Assert.Contains("NeighborhoodAttention2D: the map (4x9) must be at least kernel_size*dilation = 5", error.Message);
    }

    private static float[] Run(NeighborhoodAttention2DShape s, bool fp16, float[] q, float[] k, float[] v, float[] rpb)
    {
        var t = fp16 ? OnnxGraph.Float16 : OnnxGraph.Float;
        var bias = rpb.Length > 0;
        List<OnnxGraph.Tensor> graphInputs = [new("q", t, 5), new("k", t, 5), new("v", t, 5)];
        if (bias)
        {
            graphInputs.Add(new("rpb", t, 3));
        }

        var model = OnnxGraph.SingleNode(
            "NeighborhoodAttention2D",
            graphInputs,
            new("out", t, 5),
            new Dictionary<string, long> { ["kernel_size"] = s.KernelSize, ["dilation"] = s.Dilation },
            bias ? null : ["q", "k", "v", string.Empty]);
        long[] dims = [s.Batch, s.Heads, s.Height, s.Width, s.Dim];
        var inputs = new Dictionary<string, OrtValue>
        {
            ["q"] = OrtSession.Tensor(q, fp16, dims),
            ["k"] = OrtSession.Tensor(k, fp16, dims),
            ["v"] = OrtSession.Tensor(v, fp16, dims),
        };
        if (bias)
        {
            inputs["rpb"] = OrtSession.Tensor(rpb, fp16, s.Heads, s.BiasSide, s.BiasSide);
        }

        try
        {
            return OrtSession.Run(model, inputs, fp16);
        }
        finally
        {
            foreach (var value in inputs.Values)
            {
                value.Dispose();
            }
        }
    }
}
