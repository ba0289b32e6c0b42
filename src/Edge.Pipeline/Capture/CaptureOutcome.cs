namespace SegMan.Edge.Pipeline.Capture;

/// <summary>What one blocking capture call produced.</summary>
internal enum CaptureOutcome
{
    /// <summary>The capture is open, or a frame is in the scratch buffer.</summary>
    Ok,

    /// <summary>The file ended (and does not loop).</summary>
    EndOfStream,

    /// <summary>No usable frame before the read deadline (failed or empty reads only), or the open failed.</summary>
    Failed,
}
