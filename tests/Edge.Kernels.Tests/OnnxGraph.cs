using System.Text;

namespace SegMan.Edge.Kernels.Tests;

/// <summary>
/// Writes a one-node ONNX model (protobuf wire format) with symbolic input dimensions, so tests can run a single
/// custom op through ONNX Runtime without any model file or Python.
/// </summary>
internal static class OnnxGraph
{
    public const int Float = 1;
    public const int Float16 = 10;

    /// <summary>An input or output: name, element type and rank (dimensions are symbolic).</summary>
    public sealed record Tensor(string Name, int ElementType, int Rank);

    /// <summary>A one-node graph: op type in <see cref="CustomOpLibrary.Domain"/>, integer attributes.</summary>
    public static byte[] SingleNode(
        string opType, IReadOnlyList<Tensor> inputs, Tensor output, IReadOnlyDictionary<string, long> attributes,
        IReadOnlyList<string>? nodeInputNames = null)
    {
        var node = new Proto();
        foreach (var name in nodeInputNames ?? inputs.Select(i => i.Name).ToList())
        {
            node.String(1, name);
        }

        node.String(2, output.Name).String(3, opType).String(4, opType).String(7, CustomOpLibrary.Domain);
        foreach (var (name, value) in attributes)
        {
            node.Message(5, new Proto().String(1, name).Varint(3, value).Varint(20, 2)); // type INT
        }

        var graph = new Proto().Message(1, node).String(2, opType);
        foreach (var input in inputs)
        {
            graph.Message(11, ValueInfo(input));
        }

        graph.Message(12, ValueInfo(output));
        return new Proto()
            .Varint(1, 8) // IR version
            .String(2, "SegMan.Edge.Kernels.Tests")
            .Message(7, graph)
            .Message(8, new Proto().String(1, string.Empty).Varint(2, 17))
            .Message(8, new Proto().String(1, CustomOpLibrary.Domain).Varint(2, 1))
            .ToArray();
    }

    private static Proto ValueInfo(Tensor tensor)
    {
        var shape = new Proto();
        for (var i = 0; i < tensor.Rank; i++)
        {
            shape.Message(1, new Proto().String(2, $"{tensor.Name}_{i}"));
        }

        var tensorType = new Proto().Varint(1, tensor.ElementType).Message(2, shape);
        return new Proto().String(1, tensor.Name).Message(2, new Proto().Message(1, tensorType));
    }

    /// <summary>Minimal protobuf writer: varints, strings and nested messages.</summary>
    private sealed class Proto
    {
        private readonly MemoryStream _buffer = new();

        public Proto Varint(int field, long value)
        {
            WriteRaw(((ulong)field << 3) | 0);
            WriteRaw((ulong)value);
            return this;
        }

        public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());

        public byte[] ToArray() => _buffer.ToArray();

        private Proto Bytes(int field, byte[] bytes)
        {
            WriteRaw(((ulong)field << 3) | 2);
            WriteRaw((ulong)bytes.Length);
            _buffer.Write(bytes);
            return this;
        }

        private void WriteRaw(ulong value)
        {
            while (value >= 0x80)
            {
                _buffer.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }

            _buffer.WriteByte((byte)value);
        }
    }
}
