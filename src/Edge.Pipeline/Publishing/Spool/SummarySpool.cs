using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SegMan.Edge.Pipeline.Publishing.Mqtt;

namespace SegMan.Edge.Pipeline.Publishing.Spool;

/// <summary>
/// A crash-safe FIFO of messages on disk, one file per message: written to a temp file, fsynced, renamed
/// into place, the folder fsynced. A message leaves the spool only when <see cref="Remove"/> is called
/// (after the broker's PUBACK). On open, leftovers from an interrupted write are deleted; a file whose
/// length or CRC is wrong (torn, damaged) is skipped and counted. Past <c>maxBytes</c> the oldest go first.
/// </summary>
public sealed class SummarySpool
{
    private const string RecordExtension = ".rec";
    private const string TempExtension = ".tmp";

    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly LinkedList<Entry> _entries = new();
    private long _nextSequence;
    private long _bytes;
    private long _droppedForSpace;
    private long _damagedSkipped;
    private long _appended;

    private SummarySpool(string directory, long maxBytes, ILogger logger)
    {
        _directory = directory;
        _maxBytes = maxBytes;
        _logger = logger;
    }

    /// <summary>Called with the topic of each message dropped because the spool was full.</summary>
    public event Action<string>? DroppedForSpace;

    public string DirectoryPath => _directory;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    public long Bytes => Interlocked.Read(ref _bytes);

    public long TotalDroppedForSpace => Interlocked.Read(ref _droppedForSpace);

    public long TotalDamagedSkipped => Interlocked.Read(ref _damagedSkipped);

    public long TotalAppended => Interlocked.Read(ref _appended);

    /// <summary>Opens (creating when needed) the spool in <paramref name="directory"/> and indexes what a previous run left.</summary>
    public static SummarySpool Open(string directory, long maxBytes, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        ArgumentNullException.ThrowIfNull(logger);
        var spool = new SummarySpool(Path.GetFullPath(directory), maxBytes, logger);
        spool.Load();
        return spool;
    }

    /// <summary>Writes one message durably, then trims the oldest messages while the spool is over its cap.</summary>
    public void Append(string topic, ReadOnlySpan<byte> payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var size = SpoolRecordFormat.Size(topic, payload.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        List<string>? dropped = null;
        try
        {
            var length = SpoolRecordFormat.Write(buffer, topic, payload);
            lock (_gate)
            {
                var sequence = _nextSequence++;
                var path = RecordPath(sequence);
                WriteDurably(path, buffer.AsSpan(0, length));
                _entries.AddLast(new Entry(sequence, path, topic, length));
                Interlocked.Add(ref _bytes, length);
                Interlocked.Increment(ref _appended);
                while (_bytes > _maxBytes && _entries.Count > 1)
                {
                    var oldest = _entries.First!.Value;
                    RemoveFirst();
                    Interlocked.Increment(ref _droppedForSpace);
                    (dropped ??= []).Add(oldest.Topic);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (dropped is not null)
        {
            foreach (var droppedTopic in dropped)
            {
                MqttLog.SpoolOverflow(_logger, droppedTopic);
                DroppedForSpace?.Invoke(droppedTopic);
            }
        }
    }

    /// <summary>Reads the oldest intact message without removing it; damaged ones on the way are deleted and counted.</summary>
    public bool TryPeek([NotNullWhen(true)] out SpoolItem? item)
    {
        lock (_gate)
        {
            while (_entries.First is { } node)
            {
                var entry = node.Value;
                string? problem;
                byte[] bytes = [];
                try
                {
                    bytes = File.ReadAllBytes(entry.Path);
                    problem = SpoolRecordFormat.Read(bytes, out var topic, out var payload);
                    if (problem is null)
                    {
                        item = new SpoolItem(entry.Sequence, topic, payload);
                        return true;
                    }
                }
                catch (IOException exception)
                {
                    problem = exception.Message;
                }

                MqttLog.SpoolRecordSkipped(_logger, Path.GetFileName(entry.Path), problem);
                Interlocked.Increment(ref _damagedSkipped);
                RemoveFirst();
            }
        }

        item = null;
        return false;
    }

    /// <summary>Removes a delivered message. A message already dropped for space is ignored.</summary>
    public void Remove(long sequence)
    {
        lock (_gate)
        {
            for (var node = _entries.First; node is not null; node = node.Next)
            {
                if (node.Value.Sequence == sequence)
                {
                    DeleteQuietly(node.Value.Path);
                    Interlocked.Add(ref _bytes, -node.Value.Size);
                    _entries.Remove(node);
                    return;
                }

                if (node.Value.Sequence > sequence)
                {
                    return;
                }
            }
        }
    }

    private void Load()
    {
        Directory.CreateDirectory(_directory);
        foreach (var temp in Directory.EnumerateFiles(_directory, "*" + TempExtension))
        {
            DeleteQuietly(temp); // a write that never reached its rename: it was never acknowledged to anyone
        }

        var found = new List<(long Sequence, string Path)>();
        foreach (var path in Directory.EnumerateFiles(_directory, "*" + RecordExtension))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            {
                found.Add((sequence, path));
            }
        }

        found.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
        Span<byte> head = stackalloc byte[SpoolRecordFormat.HeaderSize + 2 + 512];
        foreach (var (sequence, path) in found)
        {
            _nextSequence = sequence + 1;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            var problem = SpoolRecordFormat.ReadHeader(head[..read], stream.Length, out _);
            if (problem is not null || read < SpoolRecordFormat.HeaderSize + 2)
            {
                stream.Dispose();
                MqttLog.SpoolRecordSkipped(_logger, Path.GetFileName(path), problem ?? "too short");
                Interlocked.Increment(ref _damagedSkipped);
                DeleteQuietly(path);
                continue;
            }

            var topic = SpoolRecordFormat.ReadTopic(head[SpoolRecordFormat.HeaderSize..read]);
            _entries.AddLast(new Entry(sequence, path, topic, stream.Length));
            _bytes += stream.Length;
        }

        if (_entries.Count > 0)
        {
            MqttLog.SpoolPending(_logger, _entries.Count, _bytes);
        }
    }

    private void WriteDurably(string path, ReadOnlySpan<byte> record)
    {
        var temp = Path.ChangeExtension(path, TempExtension);
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1))
        {
            stream.Write(record);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        DirectorySync.Flush(_directory);
    }

    private void RemoveFirst()
    {
        var entry = _entries.First!.Value;
        _entries.RemoveFirst();
        Interlocked.Add(ref _bytes, -entry.Size);
        DeleteQuietly(entry.Path);
    }

    private string RecordPath(long sequence) =>
        Path.Combine(_directory, sequence.ToString("D19", CultureInfo.InvariantCulture) + RecordExtension);

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a file we cannot delete is retried or skipped on the next open.
        }
        catch (UnauthorizedAccessException)
        {
            // Same as above.
        }
    }

    private sealed record Entry(long Sequence, string Path, string Topic, long Size);
}
