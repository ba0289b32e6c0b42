"""Writes the one-node ONNX graphs that the ONNX Runtime tests run through libsegman_ops.

Usage: python3 make_ort_test_models.py OUT_DIR
Every graph has symbolic dimensions, so each test draws fresh shapes and values.
"""
from __future__ import annotations

import sys
from pathlib import Path

import onnx
from onnx import TensorProto, helper

DOMAIN = "com.segman.edge"


def _tensor(name: str, elem: int, rank: int, prefix: str) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem, [f"{prefix}{i}" for i in range(rank)])


def selective_scan(elem: int, softplus: int | None) -> onnx.ModelProto:
    inputs = [
        _tensor("u", elem, 4, "u"), _tensor("delta", elem, 5, "d"), _tensor("B", elem, 5, "b"),
        _tensor("C", elem, 5, "c"), _tensor("A", TensorProto.FLOAT, 2, "a"),
        _tensor("D", TensorProto.FLOAT, 1, "s"), _tensor("delta_bias", TensorProto.FLOAT, 1, "t"),
    ]
    attrs = {} if softplus is None else {"delta_softplus": softplus}
    node = helper.make_node("SelectiveScan2D", [i.name for i in inputs], ["y"], domain=DOMAIN, **attrs)
    return _model(node, inputs, [_tensor("y", elem, 4, "y")])


def neighborhood_attention(elem: int, kernel_size: int, dilation: int | None, bias: bool) -> onnx.ModelProto:
    inputs = [_tensor(n, elem, 5, n) for n in ("q", "k", "v")]
    if bias:
        inputs.append(_tensor("rpb", elem, 3, "r"))
    attrs = {"kernel_size": kernel_size}
    if dilation is not None:
        attrs["dilation"] = dilation
    names = [i.name for i in inputs] + ([] if bias else [""])  # an empty name marks the optional input absent
    node = helper.make_node("NeighborhoodAttention2D", names, ["out"], domain=DOMAIN, **attrs)
    return _model(node, inputs, [_tensor("out", elem, 5, "o")])


def _model(node: onnx.NodeProto, inputs: list, outputs: list) -> onnx.ModelProto:
    graph = helper.make_graph([node], node.op_type, inputs, outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(DOMAIN, 1)])
    model.ir_version = 8
    return model


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    models = {
        "selective_scan_f32.onnx": selective_scan(TensorProto.FLOAT, None),
        "selective_scan_f16.onnx": selective_scan(TensorProto.FLOAT16, 1),
        "selective_scan_f32_no_softplus.onnx": selective_scan(TensorProto.FLOAT, 0),
        "na_f32_k3_rpb.onnx": neighborhood_attention(TensorProto.FLOAT, 3, None, True),
        "na_f32_k5_d2.onnx": neighborhood_attention(TensorProto.FLOAT, 5, 2, False),
        "na_f16_k7_rpb.onnx": neighborhood_attention(TensorProto.FLOAT16, 7, 1, True),
    }
    for name, model in models.items():
        onnx.save(model, str(out_dir / name))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
