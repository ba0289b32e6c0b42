namespace SegMan.Edge.Pipeline.Models;

/// <summary>One input or output of a loaded graph. A dimension of -1 is symbolic (named in <see cref="SymbolicDimensions"/>).</summary>
public sealed record GraphTensor(string Name, string ElementType, IReadOnlyList<long> Dimensions, IReadOnlyList<string> SymbolicDimensions)
{
    public int Rank => Dimensions.Count;

    public bool IsSymbolic(int axis) => Dimensions[axis] < 0;

    /// <summary>The dimension as a person reads it: the number, or the symbol's name.</summary>
    public string Describe(int axis) =>
        !IsSymbolic(axis) ? Dimensions[axis].ToString(System.Globalization.CultureInfo.InvariantCulture)
        : axis < SymbolicDimensions.Count && !string.IsNullOrEmpty(SymbolicDimensions[axis]) ? $"'{SymbolicDimensions[axis]}'"
        : "?";

    public string DescribeShape() => "(" + string.Join(", ", Enumerable.Range(0, Rank).Select(Describe)) + ")";
}
