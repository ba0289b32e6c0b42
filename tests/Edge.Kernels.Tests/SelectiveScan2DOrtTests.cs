using Microsoft.ML.OnnxRuntime;

namespace SegMan.Edge.Kernels.Tests;

/// <summary>The native SelectiveScan2D kernel, run through ONNX Runtime, against the managed float64 reference.</summary>
public sealed class SelectiveScan2DOrtTests
{
    public static TheoryData<int, int, int, int, int, bool> Cases => new()
    {
        // batch, channels, height, width, state, fp16
        { 1, 1, 1, 1, 1, false },
        { 2, 3, 5, 7, 1, false },
        { 1, 4, 1, 9, 2, false },
        { 1, 2, 13, 1, 3, false },
        { 2, 5, 17, 11, 16, false },
        { 1, 3, 31, 33, 1, false },
        { 2, 3, 9, 10, 1, true },
        { 1, 4, 23, 19, 2, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void NativeKernelMatchesManagedReference(int batch, int channels, int height, int width, int state, bool fp16)
    {
        var shape = new SelectiveScan2DShape(batch, channels, height, width, state);
        var data = new TestData();
        // Inputs are rounded through fp16 so that the fp16 graph sees exactly the reference's values.
        var u = TestData.RoundToHalf(data.Normal(shape.MapSize));
        var delta = TestData.RoundToHalf(data.Uniform(shape.DeltaSize, -4, 2));
        var b = TestData.RoundToHalf(data.Normal(shape.ProjectionSize));
        var c = TestData.RoundToHalf(data.Normal(shape.ProjectionSize));
        var a = data.Uniform(4 * channels * state, -2, 1).Select(x => -MathF.Exp(x)).ToArray();
        var d = data.Normal(4 * channels);
        var bias = data.Uniform(4 * channels, -1, 1);

        var got = Run(shape, fp16, u, delta, b, c, a, d, bias);
        var want = SelectiveScan2DReference.Run(
            shape, TestData.ToDouble(u), TestData.ToDouble(delta), TestData.ToDouble(b), TestData.ToDouble(c),
            TestData.ToDouble(a), TestData.ToDouble(d), TestData.ToDouble(bias));
        data.AssertClose(got, want, fp16 ? 2e-2 : 1e-4);
    }

    [Fact]
    public void LargeDeltaStaysFiniteInFp16()
    {
        // Δ + bias up to 30 overflows exp() in fp16; the kernel must evaluate softplus in fp32.
        var shape = new SelectiveScan2DShape(1, 2, 6, 5, 1);
        var data = new TestData();
        var u = TestData.RoundToHalf(data.Normal(shape.MapSize));
        var delta = TestData.RoundToHalf(data.Uniform(shape.DeltaSize, 18, 29));
        var b = TestData.RoundToHalf(data.Normal(shape.ProjectionSize));
        var c = TestData.RoundToHalf(data.Normal(shape.ProjectionSize));
        var a = data.Uniform(8, -2, 1).Select(x => -MathF.Exp(x)).ToArray();
        var d = data.Normal(8);
        var bias = data.Uniform(8, 0, 1);
        var got = Run(shape, true, u, delta, b, c, a, d, bias);
        var want = SelectiveScan2DReference.Run(
            shape, TestData.ToDouble(u), TestData.ToDouble(delta), TestData.ToDouble(b), TestData.ToDouble(c),
            TestData.ToDouble(a), TestData.ToDouble(d), TestData.ToDouble(bias));
        data.AssertClose(got, want, 2e-2);
    }

    private static float[] Run(
        SelectiveScan2DShape s, bool fp16, float[] u, float[] delta, float[] b, float[] c, float[] a, float[] d, float[] bias)
    {
        var t = fp16 ? OnnxGraph.Float16 : OnnxGraph.Float;
        var model = OnnxGraph.SingleNode(
            "SelectiveScan2D",
            [
                new("u", t, 4), new("delta", t, 5), new("B", t, 5), new("C", t, 5),
                new("A", OnnxGraph.Float, 2), new("D", OnnxGraph.Float, 1), new("delta_bias", OnnxGraph.Float, 1),
            ],
            new("y", t, 4),
            new Dictionary<string, long>());
        long k = SelectiveScan2DShape.Directions;
        var inputs = new Dictionary<string, OrtValue>
        {
            ["u"] = OrtSession.Tensor(u, fp16, s.Batch, s.Channels, s.Height, s.Width),
            ["delta"] = OrtSession.Tensor(delta, fp16, s.Batch, k, s.Channels, s.Height, s.Width),
            ["B"] = OrtSession.Tensor(b, fp16, s.Batch, k, s.State, s.Height, s.Width),
            ["C"] = OrtSession.Tensor(c, fp16, s.Batch, k, s.State, s.Height, s.Width),
            ["A"] = OrtSession.Tensor(a, false, k * s.Channels, s.State),
            ["D"] = OrtSession.Tensor(d, false, k * s.Channels),
            ["delta_bias"] = OrtSession.Tensor(bias, false, k * s.Channels),
        };
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
