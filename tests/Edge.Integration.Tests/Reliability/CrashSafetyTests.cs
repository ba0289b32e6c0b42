using SegMan.Edge.Pipeline.Tests.Publishing.Support;
using Xunit.Abstractions;

namespace SegMan.Edge.Integration.Tests.Reliability;

/// <summary>
/// The agent process dies hard (SIGKILL) while its broker is unreachable: the summaries it had spooled survive, and the
/// next run sends them first, in order, before its own.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    private const string Device = "rel-crash";
    private const string SummaryTopic = "segman/" + Device + "/front/summary";
    private static readonly TimeSpan Wait = ReliabilityCollection.Wait;

    [Fact(Timeout = 120_000)]
    public async Task Summaries_spooled_before_a_kill_9_are_sent_first_and_in_order_by_the_next_run()
    {
        using var directory = new TestDirectory();
        var spool = directory.File("spool");

        // First run: nothing listens on the broker port, so every summary stays in the spool.
        var deadPort = TestPorts.Free();
        await using (var first = AgentProcess.Start(ReliabilityConfig.Agent(Device, deadPort, spool, externalBroker: true)))
        {
            await WaitUntilAsync(() => SpoolFiles.Count(spool) >= 3 || first.HasExited, () => first.Output, "three spooled summaries");
            Assert.False(first.HasExited, $"the agent exited with {(first.HasExited ? first.ExitCode : 0)}:\n{first.Output}");
            await first.KillHardAsync();
        }

        var spooled = SpoolFiles.Read(spool);
        Assert.True(spooled.Count >= 3, $"{spooled.Count} complete records in the spool after the kill");
        Assert.All(spooled, record => Assert.Equal(SummaryTopic, record.Topic));
        var before = SummaryMessage.Distinct(spooled.Select(r => r.Payload));
        output.WriteLine($"spooled by the killed run:\n{string.Join('\n', before)}");

        // Second run, same spool, and now a broker with the fleet already listening.
        await using var mosquitto = await MosquittoBroker.StartAsync(directory.Path);
        await using var fleet = await TestSubscriber.ConnectAsync(mosquitto.Port, SummaryTopic);
        var restartedAt = DateTimeOffset.UtcNow;
        await using var second = AgentProcess.Start(ReliabilityConfig.Agent(Device, mosquitto.Port, spool, externalBroker: true));
        await WaitUntilAsync(
            () => SummaryMessage.Distinct(fleet.On(SummaryTopic).Select(m => m.Payload)).Count >= before.Count + 2 || second.HasExited,
            () => second.Output,
            "the spooled summaries and two new ones");
        await second.StopAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, second.ExitCode);

        var received = SummaryMessage.Distinct(fleet.On(SummaryTopic).Select(m => m.Payload));
        output.WriteLine($"received by the fleet:\n{string.Join('\n', received)}");
        Assert.Equal(before, received.Take(before.Count));
        var after = received.Skip(before.Count).ToList();
        Assert.True(after.Count >= 2);
        Assert.All(after, s => Assert.True(s.Start > before[^1].End && s.Start >= restartedAt, $"{s} is not a window of the second run"));
        Assert.Equal(Enumerable.Range(1, after.Count).Select(i => (long)i), after.Select(s => s.Window));
        Assert.True(received.Zip(received.Skip(1)).All(pair => pair.First.Start < pair.Second.Start), "summaries arrived out of order");
    }

    private static async Task WaitUntilAsync(Func<bool> condition, Func<string> describe, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {Wait.TotalSeconds} s for {what}.\n{describe()}");
            }

            await Task.Delay(50);
        }
    }
}
