import json

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, numpy_helper

from segman.export import ExportOptions, export
from segman.fixtures import write_fixtures
from segman.network import build_segman
from segman.onnx_tools import factor_position_tables, tensor_shape, tensor_type, value_infos
from segman.random_weights import random_model, randomize

HEIGHT, WIDTH = 128, 160          # nano: stage maps 32x40, 16x20, 8x10, 4x5


@pytest.fixture(scope="module")
def nano():
    return randomize(build_segman("nano"), 3).eval()


def _export(tmp_path, model, **kwargs):
    options = ExportOptions(out=tmp_path / "model.onnx", variant="nano", height=HEIGHT, width=WIDTH, **kwargs)
    result = export(options, model)
    return onnx.load(str(result.model_path)), result


def test_custom_op_graph_follows_ops_contract(tmp_path, nano):
    graph, result = _export(tmp_path, nano)
    onnx.checker.check_model(graph)
    assert {(o.domain, o.version) for o in graph.opset_import} == {("", 17), ("com.segman.edge", 1)}
    scans = [n for n in graph.graph.node if n.op_type == "SelectiveScan2D"]
    attentions = [n for n in graph.graph.node if n.op_type == "NeighborhoodAttention2D"]
    assert len(scans) == 4 and len(attentions) == 4          # 3 encoder SS2D + 1 decoder; 4 encoder blocks
    assert all(n.domain == "com.segman.edge" for n in scans + attentions)
    initializers = {init.name: init for init in graph.graph.initializer}
    first = scans[0]
    assert [a.name for a in first.attribute] == ["delta_softplus"] and first.attribute[0].i == 1
    assert [tensor_shape(graph, name) for name in first.input] == [
        [1, 16, 32, 40], [1, 4, 16, 32, 40], [1, 4, 1, 32, 40], [1, 4, 1, 32, 40], [64, 1], [64], [64]]
    a = numpy_helper.to_array(initializers[first.input[4]])
    assert (a < 0).all()                                      # A = -exp(A_logs), folded to a constant
    assert all(name in initializers for name in first.input[4:])
    assert tensor_shape(graph, scans[-1].input[0]) == [1, 96, 4, 5]     # decoder SS2D at 1/32, 3*32 channels
    kernels = [{a.name: a.i for a in n.attribute} for n in attentions]
    assert kernels == [{"kernel_size": k, "dilation": 1} for k in (11, 9, 7, 3)]
    heads_dims = [(1, 32, 40, 16), (2, 16, 20, 16), (2, 8, 10, 24), (4, 4, 5, 16)]
    for node, (heads, h, w, d) in zip(attentions, heads_dims):
        k = next(a.i for a in node.attribute if a.name == "kernel_size")
        assert [tensor_shape(graph, name) for name in node.input] == [[1, heads, h, w, d]] * 3 + [[heads, 2 * k - 1, 2 * k - 1]]
        assert tensor_shape(graph, node.output[0]) == [1, heads, h, w, d]
    assert tensor_shape(graph, "logits") == [1, 19, 16, 20]
    assert result.manifest["customOps"] == {"domain": "com.segman.edge",
                                            "ops": ["NeighborhoodAttention2D", "SelectiveScan2D"]}


def test_decomposed_graph_has_standard_ops_only(tmp_path, nano):
    graph, result = _export(tmp_path, nano, decompose=True)
    onnx.shape_inference.infer_shapes(graph, check_type=True, strict_mode=True)
    assert {o.domain for o in graph.opset_import} == {""}
    ops = {n.op_type for n in graph.graph.node}
    assert not ops & {"Loop", "Scan", "If", "BatchNormalization", "Softplus"}
    assert "LayerNormalization" in ops
    assert result.manifest["customOps"]["ops"] == []


def test_labels_output_is_uint8_argmax(tmp_path, nano):
    graph, result = _export(tmp_path, nano, output="labels")
    assert graph.graph.output[0].name == "labels"
    assert tensor_type(graph, "labels") == TensorProto.UINT8
    assert tensor_shape(graph, "labels") == [1, 16, 20]
    assert any(n.op_type == "ArgMax" for n in graph.graph.node)
    assert result.manifest["output"] == {"kind": "labels", "stride": 8, "name": "labels"}


def test_manifest_keys_and_values(tmp_path, nano):
    _, result = _export(tmp_path, nano, training_data="generated road scenes", miou=0.5)
    manifest = json.loads(result.manifest_path.read_text())
    assert result.manifest_path.name == "model.json"
    assert list(manifest) == ["name", "variant", "input", "output", "classes", "precision", "customOps", "training"]
    assert manifest["input"] == {"name": "image", "height": HEIGHT, "width": WIDTH, "layout": "NCHW",
                                 "dtype": "float32", "colorOrder": "RGB", "mean": [123.675, 116.28, 103.53],
                                 "std": [58.395, 57.12, 57.375]}
    assert manifest["classes"][0] == {"id": 0, "name": "road", "color": [128, 64, 128]}
    assert len(manifest["classes"]) == 19 and manifest["classes"][18]["name"] == "bicycle"
    assert manifest["precision"] == "fp32" and manifest["training"] == {"data": "generated road scenes", "mIoU": 0.5}


def test_invalid_size_is_refused(tmp_path, nano):
    with pytest.raises(ValueError, match="multiple of 32"):
        export(ExportOptions(out=tmp_path / "m.onnx", variant="nano", height=130, width=160), nano)


def test_fixtures_are_written(tmp_path):
    fixture = write_fixtures(tmp_path, "nano", HEIGHT, WIDTH, seed=1)
    assert fixture["inputShape"] == [1, 3, HEIGHT, WIDTH] and fixture["outputShape"] == [1, 19, 16, 20]
    image = np.fromfile(tmp_path / "input.bin", dtype="<f4")
    expected = np.fromfile(tmp_path / "expected.bin", dtype="<f4")
    assert image.size == 3 * HEIGHT * WIDTH and expected.size == 19 * 16 * 20
    assert fixture["tolerance"]["absolute"] == pytest.approx(1e-4 * np.abs(expected).max())
    for name in ("model_decomposed", "model_customops"):
        assert (tmp_path / f"{name}.onnx").exists() and (tmp_path / f"{name}.json").exists()
    model = random_model("nano", 1)
    with torch.no_grad():
        again = model(torch.from_numpy(image.reshape(1, 3, HEIGHT, WIDTH)))
    assert np.array_equal(again.numpy().ravel(), expected)


def _table_graph(table: np.ndarray) -> onnx.ModelProto:
    constant = onnx.helper.make_node("Constant", [], ["table"], value=numpy_helper.from_array(table))
    add = onnx.helper.make_node("Add", ["x", "table"], ["y"])
    info = [onnx.helper.make_tensor_value_info(n, TensorProto.FLOAT, list(table.shape)) for n in ("x", "y")]
    graph = onnx.helper.make_graph([constant, add], "g", [info[0]], [info[1]])
    return onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 17)])


def _expanded(model: onnx.ModelProto) -> np.ndarray:
    """Evaluate the pass's Expand/Expand/Concat from its initializers."""
    values = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Expand":
            values[node.output[0]] = np.broadcast_to(values[node.input[0]], tuple(values[node.input[1]]))
        elif node.op_type == "Concat":
            values[node.output[0]] = np.concatenate([values[i] for i in node.input], axis=-1)
    return values["table"]


def test_rope_tables_are_stored_as_their_row_and_column_halves(tmp_path, nano):
    sin, _ = nano.encoder.stages[0].rope.tables(40, 48)             # (40, 48, 16): rows | columns
    factored = factor_position_tables(_table_graph(sin.numpy()), min_bytes=1024)
    onnx.checker.check_model(factored)
    assert [n.op_type for n in factored.graph.node] == ["Expand", "Expand", "Concat", "Add"]
    assert sum(numpy_helper.to_array(i).size for i in factored.graph.initializer) == (40 + 48) * 8 + 3
    np.testing.assert_array_equal(_expanded(factored), sin.numpy())

    mixed = sin.numpy().copy()
    mixed[3, 5, 0] += 1.0                                          # a row channel that varies along W: left alone
    kept = factor_position_tables(_table_graph(mixed), min_bytes=1024)
    assert [n.op_type for n in kept.graph.node] == ["Constant", "Add"]


def test_exported_graph_keeps_no_full_rope_table(tmp_path, nano):
    graph, _ = _export(tmp_path, nano)
    tables = [numpy_helper.to_array(n.attribute[0].t) for n in graph.graph.node if n.op_type == "Constant"]
    tables += [numpy_helper.to_array(i) for i in graph.graph.initializer]
    stage1 = [t for t in tables if t.shape == (HEIGHT // 4, WIDTH // 4, 16)]
    assert not stage1, "the stage-1 RoPE tables are factored (rows x columns), not stored whole"
    assert sum(n.op_type == "Expand" for n in graph.graph.node) >= 4  # sin and cos: rows and columns each
