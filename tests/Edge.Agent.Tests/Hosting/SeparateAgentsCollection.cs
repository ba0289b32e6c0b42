namespace SegMan.Edge.Agent.Tests.Hosting;

/// <summary>
/// Tests that start whole agents of their own (cameras streaming in real time): they run alone, after the others, so
/// that their cameras do not take the cores the shared live agent's timing-based tests measure on.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SeparateAgentsCollection
{
    public const string Name = "separate agents";
}
