using SegMan.Edge.Pipeline.Evaluation;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Tests.Evaluation;

public sealed class ConfusionMatrixTests
{
    [Fact]
    public void Predictions_are_resized_by_pixel_centres_ignored_labels_skipped_and_absent_classes_left_out()
    {
        // 1x2 prediction [0, 1] against 2x4 labels: each predicted pixel covers two label columns.
        var predicted = new LabelMap();
        predicted.Resize(2, 1);
        predicted.Data[0] = 0;
        predicted.Data[1] = 1;
        byte[] truth =
        [
            0, 0, 1, 255,
            0, 1, 1, 1,
        ];
        var confusion = new ConfusionMatrix(classes: 3);

        confusion.Add(predicted, truth, height: 2, width: 4);
        var (mean, perClass) = confusion.MeanIoU();

        // Label columns 0-1 take prediction 0, columns 2-3 prediction 1. Pairs (truth, predicted): (0,0) x3, (1,0) x1
        // (row 1, column 1), (1,1) x3; the 255 is skipped. Class 0: 3 / (3 + 4 - 3); class 1: 3 / (4 + 3 - 3).
        Assert.Equal(3.0 / 4, perClass[0], 12);
        Assert.Equal(3.0 / 4, perClass[1], 12);
        Assert.True(double.IsNaN(perClass[2]));
        Assert.Equal(3.0 / 4, mean, 12);
    }
}
