using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using SegMan.Edge.Pipeline.Publishing.Mqtt;
using SegMan.Edge.Pipeline.Tests.Publishing.Support;
using Xunit.Abstractions;

namespace SegMan.Edge.Integration.Tests.Reliability;

/// <summary>
/// The broker goes away for about five seconds while the agent runs: every one-second summary window closed during
/// the outage reaches a fleet subscriber with a persistent session once the broker is back, in order, none lost.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class BrokerLossTests(ITestOutputHelper output)
{
    private const string Device = "rel-mq";
    private const string SummaryTopic = "segman/" + Device + "/front/summary";
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Wait = ReliabilityCollection.Wait;

    [Fact(Timeout = 90_000)]
    public async Task Summaries_of_a_broker_outage_all_arrive_in_order_after_the_broker_restarts()
    {
        using var directory = new TestDirectory();
        await using var mosquitto = await MosquittoBroker.StartAsync(directory.Path);
        await using var fleet = await TestSubscriber.ConnectAsync(mosquitto.Port, SummaryTopic, persistentClientId: "fleet-" + Device);
        await using var agent = await AgentRun.StartAsync(ReliabilityConfig.Agent(Device, mosquitto.Port, directory.File("spool"), externalBroker: true));
        var publisher = agent.Host.Services.GetRequiredService<MqttResultPublisher>();
        await fleet.WaitForCountAsync(SummaryTopic, 2, Wait);

        var stoppedAt = DateTimeOffset.UtcNow;
        await mosquitto.StopAsync();
        var down = Stopwatch.StartNew();
        await WaitUntilAsync(() => !publisher.Connection.IsConnected, "the agent to notice the broker is gone");
        await Task.Delay(Outage > down.Elapsed ? Outage - down.Elapsed : TimeSpan.Zero);
        var spooled = publisher.Spool!.Count;
        var restartedAt = DateTimeOffset.UtcNow;
        var outage = down.Elapsed;
        await mosquitto.StartAgainAsync();
        await fleet.ReconnectAsync(Wait);

        // Windows that ended during the outage, plus two after it, so the spool has been sent and new ones follow.
        await fleet.WaitForAsync(
            _ => SummaryMessage.Distinct(fleet.On(SummaryTopic).Select(m => m.Payload)).Count(s => s.Start > restartedAt) >= 2,
            Wait,
            "two summaries of windows begun after the broker came back");

        var received = fleet.On(SummaryTopic).Select(m => m.Payload).ToList();
        var summaries = SummaryMessage.Distinct(received);
        output.WriteLine($"{spooled} summaries spooled during the {outage.TotalSeconds:F1} s outage; {received.Count} received, {summaries.Count} distinct:");
        output.WriteLine(string.Join('\n', summaries));

        Assert.True(spooled >= 3, $"only {spooled} summaries were waiting in the spool after {Outage.TotalSeconds} s down");
        Assert.Equal(Enumerable.Range(1, summaries.Count).Select(i => (long)i), summaries.Select(s => s.Window));
        Assert.True(
            summaries.Count(s => s.End > stoppedAt && s.End < restartedAt) >= 3,
            "fewer than three windows that closed during the outage arrived");
        Assert.Equal(0, publisher.GetMetrics().SummariesDropped);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {Wait.TotalSeconds} s for {what}.");
            }

            await Task.Delay(20);
        }
    }
}
