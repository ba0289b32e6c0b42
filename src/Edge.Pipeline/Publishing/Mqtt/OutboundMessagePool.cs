using System.Collections.Concurrent;

namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>A bounded pool of <see cref="OutboundMessage"/>s; past its size, returned messages are left to the GC.</summary>
public sealed class OutboundMessagePool(int maxRetained, int initialPayloadCapacity)
{
    private readonly ConcurrentQueue<OutboundMessage> _free = new();
    private int _freeCount;

    public OutboundMessage Rent()
    {
        if (_free.TryDequeue(out var message))
        {
            Interlocked.Decrement(ref _freeCount);
            return message;
        }

        return new OutboundMessage(this, initialPayloadCapacity);
    }

    internal void Return(OutboundMessage message)
    {
        message.Clear();
        if (Interlocked.Increment(ref _freeCount) <= maxRetained)
        {
            _free.Enqueue(message);
        }
        else
        {
            Interlocked.Decrement(ref _freeCount);
        }
    }
}
