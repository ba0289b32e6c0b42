namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>The topics of one camera, built once so per-frame publishing allocates no strings.</summary>
public sealed record CameraTopics(string CameraId, string Stats, string Mask, string Summary, string Status)
{
    /// <summary>Builds the topics of <paramref name="cameraId"/> (sanitised) under <paramref name="deviceRoot"/>.</summary>
    public static CameraTopics Create(string deviceRoot, string cameraId)
    {
        var id = TopicNames.Sanitize(cameraId);
        var root = deviceRoot + "/" + id;
        return new CameraTopics(id, root + "/stats", root + "/mask", root + "/summary", root + "/status");
    }
}
