using SegMan.Edge.Pipeline.Evaluation;
using SegMan.Edge.Pipeline.Inference;
using Xunit.Abstractions;

namespace SegMan.Edge.Pipeline.Tests.Evaluation;

/// <summary>
/// The models the agent ships segment what their manifests say they do: scored through the agent's own stages on the
/// 36 held-out scenes, each reproduces the mIoU its manifest records, and int8 stays within a point of fp32. A model
/// swapped without its manifest, a change in preprocessing (colour order, mean, std, resize) or in the logits' resize
/// moves the score and fails here.
/// </summary>
public sealed class ShippedModelAccuracyTests(ITestOutputHelper output)
{
    /// <summary>How far the score may sit from the manifest's figure: ONNX Runtime builds differ in their last bits.</summary>
    private const double Tolerance = 0.002;

    [Fact]
    public void Fp32_and_int8_reproduce_their_manifests_mIoU_and_int8_is_within_a_point_of_fp32()
    {
        var fp32 = ScoreAndCheck(RepositoryFiles.DemoModel);
        var int8 = ScoreAndCheck(RepositoryFiles.DemoModelInt8);

        Assert.InRange(int8, fp32 - 0.01, 1.0);
    }

    private double ScoreAndCheck(string model)
    {
        using var segmenter = new OnnxSegmenter(new InferenceOptions { Path = model });
        var score = HeldOutSetScorer.Score(segmenter, RepositoryFiles.HeldOutSet);
        var recorded = segmenter.Manifest.Training?.MeanIoU
            ?? throw new InvalidOperationException($"{model}'s manifest records no mIoU.");
        output.WriteLine($"{Path.GetFileName(model)}: {score.MeanIoU:F4} on {score.Frames} frames; manifest {recorded:F4}");

        Assert.Equal(36, score.Frames);
        Assert.InRange(score.MeanIoU, recorded - Tolerance, recorded + Tolerance);
        return score.MeanIoU;
    }
}
