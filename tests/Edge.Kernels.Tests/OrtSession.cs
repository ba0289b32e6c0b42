using Microsoft.ML.OnnxRuntime;

namespace SegMan.Edge.Kernels.Tests;

/// <summary>Runs a one-node model through ONNX Runtime on the CPU with libsegman_ops.so registered.</summary>
internal static class OrtSession
{
    public static float[] Run(byte[] model, IReadOnlyDictionary<string, OrtValue> inputs, bool halfOutput)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 2 };
        CustomOpLibrary.Register(options);
        using var session = new InferenceSession(model, options);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, inputs, session.OutputNames);
        return halfOutput
            ? outputs[0].GetTensorDataAsSpan<Float16>().ToArray().Select(TestData.FromFloat16).ToArray()
            : outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public static OrtValue Tensor(float[] data, bool half, params long[] shape) =>
        half
            ? OrtValue.CreateTensorValueFromMemory(TestData.ToFloat16(data), shape)
            : OrtValue.CreateTensorValueFromMemory(data, shape);
}
