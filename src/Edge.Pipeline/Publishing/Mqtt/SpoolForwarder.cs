using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using SegMan.Edge.Pipeline.Publishing.Spool;

namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>
/// Delivers the spool in order at QoS 1 with exactly one send in flight: a message is removed from disk only
/// after its PUBACK, and only then is the next one read. A message goes at most once per session: when its
/// outcome is unknown (the session broke, or no PUBACK came in time, which ends the session) it stays at the
/// head of the spool and goes again only on a later session. Delivery is therefore at least once, and a
/// duplicate only ever follows a lost session; it carries the same window number, so readers can drop it.
/// </summary>
internal sealed class SpoolForwarder(SummarySpool spool, ISessionPublisher connection, ILogger logger, Action<string>? refused = null) : IDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private int _running;

    /// <summary>Tells the forwarder there is something new to send (or a new session to send it on).</summary>
    public void Notify()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
    }

    /// <summary>Delivers until <paramref name="stopping"/>; a message still in flight then stays in the spool for the next start.</summary>
    /// <exception cref="InvalidOperationException">The forwarder is already running: a second loop would send messages twice.</exception>
    public async Task RunAsync(CancellationToken stopping)
    {
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            throw new InvalidOperationException("The spool forwarder is already running.");
        }

        var spent = 0L; // the last session on which a send's outcome is unknown: nothing more goes on it
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var session = await connection.WaitForSessionAsync(spent, stopping).ConfigureAwait(false);
                if (!spool.TryPeek(out var item))
                {
                    await _wake.WaitAsync(RetryDelay, stopping).ConfigureAwait(false);
                    continue;
                }

                if (!await TrySendAsync(session, item, stopping).ConfigureAwait(false))
                {
                    spent = session;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Waits (bounded) until the spool is empty; true if it got there.</summary>
    public async Task<bool> WaitUntilEmptyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (spool.Count > 0)
        {
            if (DateTime.UtcNow >= deadline || !connection.IsConnected)
            {
                return false;
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    public void Dispose() => _wake.Dispose();

    /// <summary>Sends the head of the spool once; false when its outcome is unknown (it stays at the head).</summary>
    private async Task<bool> TrySendAsync(long session, SpoolItem item, CancellationToken stopping)
    {
        MqttClientPublishResult result;
        try
        {
            result = await connection.PublishAsync(session, ToMessage(item), MessageKind.Summary, stopping).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return false; // the session is over (or being ended): the broker may have it, so it waits for the next one
        }

        if (result.IsSuccess)
        {
            spool.Remove(item.Sequence);
        }
        else if (IsPermanent(result.ReasonCode))
        {
            // Sending it again would be refused again and block everything behind it.
            MqttLog.SummaryRefused(logger, item.Topic, result.ReasonCode.ToString());
            connection.Counters.CountDropped(MessageKind.Summary);
            spool.Remove(item.Sequence);
            refused?.Invoke(item.Topic);
        }
        else
        {
            // Refused for now (quota, busy): the broker did not take it, so sending it again is no duplicate.
            await Task.Delay(RetryDelay, stopping).ConfigureAwait(false);
        }

        return true;
    }

    private static MqttApplicationMessage ToMessage(SpoolItem item) => new MqttApplicationMessageBuilder()
        .WithTopic(item.Topic)
        .WithPayloadSegment(item.Payload)
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .WithContentType("application/json")
        .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
        .Build();

    private static bool IsPermanent(MqttClientPublishReasonCode code) =>
        code is MqttClientPublishReasonCode.NotAuthorized
            or MqttClientPublishReasonCode.TopicNameInvalid
            or MqttClientPublishReasonCode.PayloadFormatInvalid;
}
