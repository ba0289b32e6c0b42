namespace SegMan.Edge.Integration.Tests.Reliability;

/// <summary>
/// The reliability tests run one at a time and alone: they kill and restart servers on purpose and assert on timing
/// (a stalled camera, a late summary), which two busy cores running other agents beside them would blur.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReliabilityCollection
{
    public const string Name = "reliability";

    /// <summary>Upper bound of a single wait in these tests (start-up, a status change, a summary).</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
}
