namespace SegMan.Edge.Pipeline.Models;

/// <summary>
/// Sliding-window inference, as segmentation toolkits run Cityscapes models trained on crops (SegMAN: 1024×1024 windows,
/// stride 768, over 1024×2048 frames): each frame is resized to <see cref="Height"/>×<see cref="Width"/>, windows of the
/// model's input size are cut from it every <see cref="RowStride"/> rows and <see cref="ColumnStride"/> columns (the
/// last row and column of windows moved back to end at the frame's edge), and the logits of overlapping windows are
/// averaged.
/// </summary>
public sealed record SlideSpec
{
    public required int Height { get; init; }
    public required int Width { get; init; }
    public required int RowStride { get; init; }
    public required int ColumnStride { get; init; }
}
