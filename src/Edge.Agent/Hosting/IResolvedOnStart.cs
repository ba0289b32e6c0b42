using Microsoft.Extensions.Hosting;

namespace SegMan.Edge.Agent.Hosting;

/// <summary>A hosted service that stands for another, resolved when started (null until then).</summary>
internal interface IResolvedOnStart : IHostedService
{
    IHostedService? Service { get; }
}
