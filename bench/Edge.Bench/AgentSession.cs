using Microsoft.ML.OnnxRuntime;
using SegMan.Edge.Kernels;

namespace SegMan.Edge.Bench;

/// <summary>ONNX Runtime sessions opened as the agent opens a custom-op model.</summary>
internal static class AgentSession
{
    /// <summary>The custom-op library registered and intra-op spinning off, or with spinning back on (ONNX Runtime's default).</summary>
    public static InferenceSession Open(string model, bool allowSpinning = false)
    {
        using var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        CustomOpLibrary.Register(sessionOptions);
        if (allowSpinning)
        {
            sessionOptions.AddSessionConfigEntry(CustomOpLibrary.IntraOpSpinningKey, "1");
        }

        return new InferenceSession(model, sessionOptions);
    }
}
