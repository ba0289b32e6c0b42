namespace SegMan.Edge.Agent.Hosting;

/// <summary>The process exit code, set by a service that stops the agent because of a failure.</summary>
public sealed class AgentExitCode
{
    public int Value { get; set; }
}
