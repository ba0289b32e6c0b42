using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using SegMan.Edge.Pipeline.Publishing.Spool;

namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>
/// Delivers the spool in order, one message at a time, at QoS 1: a message is removed from disk only after
/// its PUBACK. A lost connection leaves it at the head of the spool until the next session. Delivery is
/// at least once: a PUBACK lost with the connection means that message is sent again.
/// </summary>
internal sealed class SpoolForwarder(SummarySpool spool, MqttConnection connection, ILogger logger, Action<string>? refused = null) : IDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Tells the forwarder there is something new to send.</summary>
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

    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await connection.WaitUntilConnectedAsync(stopping).ConfigureAwait(false);
                if (!spool.TryPeek(out var item))
                {
                    await _wake.WaitAsync(RetryDelay, stopping).ConfigureAwait(false);
                    continue;
                }

                var result = await connection.PublishAsync(ToMessage(item), MessageKind.Summary, stopping).ConfigureAwait(false);
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
                    await Task.Delay(RetryDelay, stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // The connection went away under the publish (or timed out): wait for the next session.
                await Task.Delay(TimeSpan.FromMilliseconds(100), stopping).ConfigureAwait(false);
            }
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
