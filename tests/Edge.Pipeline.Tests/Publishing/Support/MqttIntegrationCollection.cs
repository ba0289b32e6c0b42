namespace SegMan.Edge.Pipeline.Tests.Publishing.Support;

/// <summary>Broker tests run one at a time: they are timing-sensitive and share two CPU cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MqttIntegrationCollection
{
    public const string Name = "mqtt-integration";

    /// <summary>Upper bound of every wait in these tests.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    public static CancellationToken Within(TimeSpan timeout) => new CancellationTokenSource(timeout).Token;

    /// <summary>Polls <paramref name="condition"/> until it holds, for at most <see cref="Wait"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
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
