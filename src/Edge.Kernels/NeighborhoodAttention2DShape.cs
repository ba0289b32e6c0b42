namespace SegMan.Edge.Kernels;

/// <summary>
/// Shape and attributes of a <c>NeighborhoodAttention2D</c> node (OPS.md): q, k, v and out are
/// (B, heads, H, W, dim); rpb is (heads, 2K-1, 2K-1).
/// </summary>
public sealed record NeighborhoodAttention2DShape(
    int Batch, int Heads, int Height, int Width, int Dim, int KernelSize, int Dilation = 1)
{
    /// <summary>Elements of q, k, v and out.</summary>
    public int Size => Batch * Heads * Height * Width * Dim;

    /// <summary>Side of the relative position bias table, 2K-1.</summary>
    public int BiasSide => (2 * KernelSize) - 1;

    /// <summary>Elements of rpb.</summary>
    public int BiasSize => Heads * BiasSide * BiasSide;

    /// <summary>Throws <see cref="ArgumentException"/> when the shape breaks OPS.md's constraints.</summary>
    public void Validate()
    {
        if (KernelSize < 1 || KernelSize % 2 == 0)
        {
            throw new ArgumentException($"NeighborhoodAttention2D: kernel_size must be odd and >= 1, got {KernelSize}.");
        }

        if (Dilation < 1)
        {
            throw new ArgumentException($"NeighborhoodAttention2D: dilation must be >= 1, got {Dilation}.");
        }

        if (Batch < 0 || Heads < 0 || Dim < 1)
        {
            throw new ArgumentException($"NeighborhoodAttention2D: batch/heads must be >= 0 and dim >= 1, got {Batch}/{Heads}/{Dim}.");
        }

        var span = KernelSize * Dilation;
        if (Height < span || Width < span)
        {
            throw new ArgumentException(
                $"NeighborhoodAttention2D: the map ({Height}x{Width}) must be at least kernel_size*dilation = {span} on each side.");
        }
    }
}
