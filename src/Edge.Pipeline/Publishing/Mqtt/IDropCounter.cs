namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>Told when a message it owns was dropped (e.g. per camera, for the camera's summary).</summary>
public interface IDropCounter
{
    void CountDrop(MessageKind kind);
}
