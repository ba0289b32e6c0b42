namespace SegMan.Edge.Pipeline.Capture;

/// <summary>The last lines a child process wrote to stderr, bounded, for error messages. Thread-safe.</summary>
internal sealed class StderrTail
{
    private const int MaxLines = 12;
    private const int MaxLineLength = 400;
    private readonly Queue<string> _lines = new();

    public void Add(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        string trimmed = line.Length > MaxLineLength ? line[..MaxLineLength] + "…" : line.TrimEnd();
        lock (_lines)
        {
            if (_lines.Count == MaxLines)
            {
                _lines.Dequeue();
            }

            _lines.Enqueue(trimmed);
        }
    }

    /// <summary>The lines joined with " | ", credentials masked; <paramref name="whenEmpty"/> when there are none.</summary>
    public string Describe(string whenEmpty = "ffmpeg printed no error")
    {
        lock (_lines)
        {
            return _lines.Count == 0 ? whenEmpty : CredentialMask.Apply(string.Join(" | ", _lines));
        }
    }
}
