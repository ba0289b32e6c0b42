"""Writes the tiny ONNX models (and their manifests) that the pipeline tests run through ONNX Runtime.

Run from anywhere:  /usr/bin/python3 tests/Edge.Pipeline.Tests/TestData/models/make_test_models.py
The output is deterministic, and the generated files are committed, so the tests need no Python.

Every "logits" model is one 1x1 convolution at stride 2 over the normalised RGB input, with fixed weights:
    class 0 = R, class 1 = G, class 2 = B, class 3 = 0.5 - (R + G + B)
so the expected argmax of a pixel is easy to compute by hand.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).resolve().parent
OPSET = 17
CUSTOM_DOMAIN = "com.segman.edge"

HEIGHT, WIDTH, STRIDE = 8, 12, 2
WEIGHTS = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [-1, -1, -1]], dtype=np.float32).reshape(4, 3, 1, 1)
BIAS = np.array([0, 0, 0, 0.5], dtype=np.float32)
CLASSES = [
    {"id": 0, "name": "red", "color": [220, 20, 60]},
    {"id": 1, "name": "green", "color": [107, 142, 35]},
    {"id": 2, "name": "blue", "color": [70, 130, 180]},
    {"id": 3, "name": "dark", "color": [20, 20, 20]},
]


def manifest(name: str, *, height: int = HEIGHT, width: int = WIDTH, dtype: str = "float32", kind: str = "logits",
             output: str = "logits", stride: int = STRIDE, classes: list[dict[str, Any]] | None = None,
             custom_ops: list[str] | None = None) -> dict[str, Any]:
    """The manifest JSON of a test model; mean/std map 0..255 pixels to 0..1."""
    doc: dict[str, Any] = {
        "name": name,
        "variant": "test",
        "input": {"name": "image", "height": height, "width": width, "layout": "NCHW", "dtype": dtype,
                  "colorOrder": "RGB", "mean": [0.0, 0.0, 0.0], "std": [255.0, 255.0, 255.0]},
        "output": {"kind": kind, "stride": stride, "name": output},
        "classes": classes if classes is not None else CLASSES,
        "precision": "fp16" if dtype == "float16" else "fp32",
        "training": {"data": "none (fixed weights for tests)", "mIoU": 0.0},
    }
    if custom_ops:
        doc["customOps"] = {"domain": CUSTOM_DOMAIN, "ops": custom_ops}
    return doc


def conv_nodes(source: str, target: str, stride: int = STRIDE) -> tuple[list[onnx.NodeProto], list[onnx.TensorProto]]:
    weights = numpy_helper.from_array(WEIGHTS, "conv_w")
    bias = numpy_helper.from_array(BIAS, "conv_b")
    node = helper.make_node("Conv", [source, "conv_w", "conv_b"], [target], strides=[stride, stride])
    return [node], [weights, bias]


def image_input(elem: int = TensorProto.FLOAT, dims: list[Any] | None = None) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info("image", elem, dims or [1, 3, HEIGHT, WIDTH])


def save(name: str, graph: onnx.GraphProto, doc: dict[str, Any] | None, *, custom: bool = False) -> Path:
    imports = [helper.make_opsetid("", OPSET)]
    if custom:
        imports.append(helper.make_opsetid(CUSTOM_DOMAIN, 1))
    model = helper.make_model(graph, opset_imports=imports, producer_name="segman-edge-tests")
    model.ir_version = 8
    if not custom:
        onnx.checker.check_model(model, full_check=True)
    path = HERE / f"{name}.onnx"
    path.write_bytes(model.SerializeToString())
    if doc is not None:
        (HERE / f"{name}.json").write_text(json.dumps(doc, indent=2) + "\n")
    return path


def logits_model() -> Path:
    """Float32 logits (1, 4, 4, 6), with a symbolic batch dimension."""
    nodes, inits = conv_nodes("image", "logits")
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 4, HEIGHT // STRIDE, WIDTH // STRIDE])
    graph = helper.make_graph(nodes, "logits", [image_input(dims=["batch", 3, HEIGHT, WIDTH])], [out], inits)
    return save("logits", graph, manifest("logits"))


def logits_fp16_model() -> Path:
    """Float16 in, float16 logits out (the convolution itself runs in float32)."""
    nodes, inits = conv_nodes("image32", "logits32")
    nodes = [helper.make_node("Cast", ["image"], ["image32"], to=TensorProto.FLOAT), *nodes,
             helper.make_node("Cast", ["logits32"], ["logits"], to=TensorProto.FLOAT16)]
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT16, [1, 4, HEIGHT // STRIDE, WIDTH // STRIDE])
    graph = helper.make_graph(nodes, "logits_fp16", [image_input(TensorProto.FLOAT16)], [out], inits)
    return save("logits-fp16", graph, manifest("logits-fp16", dtype="float16"))


def labels_model() -> Path:
    """Int64 labels (1, 4, 6): the argmax inside the graph."""
    nodes, inits = conv_nodes("image", "logits")
    nodes.append(helper.make_node("ArgMax", ["logits"], ["labels"], axis=1, keepdims=0))
    out = helper.make_tensor_value_info("labels", TensorProto.INT64, [1, HEIGHT // STRIDE, WIDTH // STRIDE])
    graph = helper.make_graph(nodes, "labels", [image_input()], [out], inits)
    return save("labels", graph, manifest("labels", kind="labels", output="labels"))


def labels_uint8_model() -> Path:
    """Uint8 labels (1, 1, 4, 6): argmax with keepdims, cast to bytes."""
    nodes, inits = conv_nodes("image", "logits")
    nodes += [helper.make_node("ArgMax", ["logits"], ["labels64"], axis=1, keepdims=1),
              helper.make_node("Cast", ["labels64"], ["labels"], to=TensorProto.UINT8)]
    out = helper.make_tensor_value_info("labels", TensorProto.UINT8, [1, 1, HEIGHT // STRIDE, WIDTH // STRIDE])
    graph = helper.make_graph(nodes, "labels_uint8", [image_input()], [out], inits)
    return save("labels-uint8", graph, manifest("labels-uint8", kind="labels", output="labels"))


def mismatch_model() -> None:
    """The graph takes 4x6 images, the manifest says 8x12."""
    nodes, inits = conv_nodes("image", "logits")
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 4, 2, 3])
    graph = helper.make_graph(nodes, "mismatch", [image_input(dims=[1, 3, 4, 6])], [out], inits)
    save("mismatch", graph, manifest("mismatch"))


def custom_op_model() -> None:
    """Logits refined by one NeighborhoodAttention2D node from the com.segman.edge domain."""
    nodes, inits = conv_nodes("image", "features")
    h, w = HEIGHT // STRIDE, WIDTH // STRIDE
    nodes += [
        helper.make_node("Transpose", ["features"], ["tokens"], perm=[0, 2, 3, 1]),
        helper.make_node("Unsqueeze", ["tokens", "head_axis"], ["qkv"]),
        helper.make_node("NeighborhoodAttention2D", ["qkv", "qkv", "qkv"], ["attended"], domain=CUSTOM_DOMAIN,
                         kernel_size=3, dilation=1),
        helper.make_node("Squeeze", ["attended", "head_axis"], ["attended_map"]),
        helper.make_node("Transpose", ["attended_map"], ["logits"], perm=[0, 3, 1, 2]),
    ]
    inits.append(numpy_helper.from_array(np.array([1], dtype=np.int64), "head_axis"))
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 4, h, w])
    graph = helper.make_graph(nodes, "custom_op", [image_input()], [out], inits)
    save("custom-op", graph, manifest("custom-op", custom_ops=["NeighborhoodAttention2D"]), custom=True)


def wide_model() -> None:
    """A 512x1024, 19-class logits model at stride 8 (one 1x1 convolution): the size of the baseline model."""
    rng = np.random.default_rng(7)
    weights = numpy_helper.from_array(rng.normal(size=(19, 3, 1, 1)).astype(np.float32), "conv_w")
    bias = numpy_helper.from_array(rng.normal(size=19).astype(np.float32), "conv_b")
    node = helper.make_node("Conv", ["image", "conv_w", "conv_b"], ["logits"], strides=[8, 8])
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 19, 64, 128])
    graph = helper.make_graph([node], "wide", [image_input(dims=[1, 3, 512, 1024])], [out], [weights, bias])
    palette = rng.integers(0, 256, size=(19, 3)).tolist()
    classes = [{"id": i, "name": f"class{i}", "color": palette[i]} for i in range(19)]
    doc = manifest("wide", height=512, width=1024, stride=8, classes=classes)
    doc["input"]["mean"] = [123.675, 116.28, 103.53]
    doc["input"]["std"] = [58.395, 57.12, 57.375]
    save("wide", graph, doc)


def broken_models(source: Path) -> None:
    """A truncated copy of a valid model, and a file that is not ONNX at all, each with a valid manifest."""
    data = source.read_bytes()
    (HERE / "truncated.onnx").write_bytes(data[: len(data) // 2])
    (HERE / "truncated.json").write_text(json.dumps(manifest("truncated"), indent=2) + "\n")
    (HERE / "corrupt.onnx").write_bytes(b"this is not an ONNX model\n" * 4)
    (HERE / "corrupt.json").write_text(json.dumps(manifest("corrupt"), indent=2) + "\n")


def main() -> None:
    logits = logits_model()
    logits_fp16_model()
    labels_model()
    labels_uint8_model()
    mismatch_model()
    custom_op_model()
    wide_model()
    broken_models(logits)
    print(f"wrote test models to {HERE}")


if __name__ == "__main__":
    main()
