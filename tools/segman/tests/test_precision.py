import onnx
import pytest
import torch
from onnx import TensorProto

from segman.export import ExportOptions, export
from segman.fold import fold_batchnorm
from segman.int8 import compare, quantize
from segman.network import build_segman
from segman.onnx_tools import value_infos
from segman.random_weights import randomize

FLOAT, HALF = TensorProto.FLOAT, TensorProto.FLOAT16


@pytest.fixture(scope="module")
def nano():
    return randomize(build_segman("nano"), 5).eval()


def _types(graph):
    return {name: info.type.tensor_type.elem_type for name, info in value_infos(graph).items()}


@pytest.mark.parametrize("decompose", [False, True])
def test_fp16_keeps_fragile_parts_in_fp32(tmp_path, nano, decompose):
    result = export(ExportOptions(out=tmp_path / "m.onnx", variant="nano", height=128, width=160,
                                  precision="fp16", decompose=decompose), nano)
    graph = onnx.load(str(result.model_path))
    onnx.shape_inference.infer_shapes(graph, check_type=True, strict_mode=decompose)
    types = _types(graph)
    assert graph.graph.input[0].type.tensor_type.elem_type == FLOAT
    assert graph.graph.output[0].type.tensor_type.elem_type == FLOAT
    convs = [n for n in graph.graph.node if n.op_type == "Conv"]
    assert convs and all(types[n.input[1]] == HALF for n in convs)
    for node in graph.graph.node:
        if node.op_type in ("LayerNormalization", "Softmax"):
            assert all(types[name] == FLOAT for name in list(node.input) + list(node.output) if name)
        if "/scan/" in node.name and node.domain == "" and not node.name.endswith("_fp16_cast"):
            # softplus(Δ) (Where/Exp/Log) and the decays/state of the decomposed scan never run in fp16
            assert all(types[name] != HALF for name in node.output)
        if node.op_type == "SelectiveScan2D":
            assert [types[name] for name in node.input] == [HALF] * 4 + [FLOAT] * 3
            assert types[node.output[0]] == HALF
        if node.op_type == "NeighborhoodAttention2D":
            assert [types[name] for name in node.input] == [HALF] * 4
    assert result.manifest["precision"] == "fp16"


def test_int8_graph_quantizes_convs_and_keeps_custom_ops_float(tmp_path, nano):
    result = export(ExportOptions(out=tmp_path / "m.onnx", variant="nano", height=128, width=160,
                                  precision="int8", calibration_frames=2, evaluation_frames=1), nano)
    graph = onnx.load(str(result.model_path))
    onnx.checker.check_model(graph)
    initializers = {init.name: init for init in graph.graph.initializer}
    producers = {o: n for n in graph.graph.node for o in n.output}
    convs = [n for n in graph.graph.node if n.op_type == "Conv"]
    quantized = [n for n in convs if producers.get(n.input[1]) is not None
                 and producers[n.input[1]].op_type == "DequantizeLinear"]
    assert len(quantized) >= len(convs) - 8                 # all but the 2 SS2D projections per scan
    for conv in quantized:
        weight_dq = producers[conv.input[1]]
        assert initializers[weight_dq.input[0]].data_type == TensorProto.INT8
        assert {a.name: a.i for a in weight_dq.attribute}.get("axis") == 0
        assert producers[conv.input[0]].op_type == "DequantizeLinear"
    for node in graph.graph.node:
        if node.domain:
            assert all(producers.get(i) is None or producers[i].op_type != "DequantizeLinear" for i in node.input)
            assert all(initializers[i].data_type == TensorProto.FLOAT for i in node.input if i in initializers)
    report = result.int8_report
    assert report["calibrationFrames"] == 2 and report["evaluationFrames"] == 1
    assert 0.0 <= report["pixelAgreement"] <= 1.0
    assert (tmp_path / "m.int8.json").exists() and result.manifest["precision"] == "int8"


def test_fake_quant_stays_close_to_float(nano):
    folded = fold_batchnorm(nano)
    frames = [torch.randn(1, 3, 128, 160, generator=torch.Generator().manual_seed(i)) for i in range(3)]
    quantized = quantize(folded, frames[:2])
    metrics = compare(folded, quantized, frames[2:])
    assert metrics["relativeLogitError"] < 0.1
    assert metrics["pixelAgreement"] > 0.8
    clipped = quantize(folded, frames[:2], percentile=50.0)         # ranges that clip half of every input
    assert compare(folded, clipped, frames[2:])["relativeLogitError"] > 3 * metrics["relativeLogitError"]
