namespace SegMan.Edge.Kernels;

/// <summary>
/// Shape of a <c>SelectiveScan2D</c> node (OPS.md): u (B, D, H, W), delta (B, 4, D, H, W), B/C (B, 4, N, H, W),
/// A (4D, N), D and delta_bias (4D).
/// </summary>
public sealed record SelectiveScan2DShape(int Batch, int Channels, int Height, int Width, int State)
{
    /// <summary>The number of scan directions.</summary>
    public const int Directions = 4;

    /// <summary>Sequence length L = H·W.</summary>
    public int Length => Height * Width;

    /// <summary>Elements of u and y.</summary>
    public int MapSize => Batch * Channels * Length;

    /// <summary>Elements of delta.</summary>
    public int DeltaSize => Batch * Directions * Channels * Length;

    /// <summary>Elements of B and of C.</summary>
    public int ProjectionSize => Batch * Directions * State * Length;

    /// <summary>Throws <see cref="ArgumentException"/> when the shape breaks OPS.md's constraints.</summary>
    public void Validate()
    {
        if (Batch < 0 || Channels < 0)
        {
            throw new ArgumentException($"SelectiveScan2D: batch and channels must be >= 0, got {Batch} and {Channels}.");
        }

        if (Height < 1 || Width < 1)
        {
            throw new ArgumentException($"SelectiveScan2D: H and W must be >= 1, got {Height}x{Width}.");
        }

        if (State is < 1 or > 16)
        {
            throw new ArgumentException($"SelectiveScan2D: state size N must be in 1..16, got {State}.");
        }
    }
}
