"""The placeholder ONNX model: graph checks, its maths against numpy, and the committed files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from segman.scenes.baseline_model import HEIGHT, MEAN, STD, STRIDE, WIDTH, CellModel, build_graph, fit, logits, manifest
from segman.scenes.classes import CLASS_NAMES, NUM_CLASSES, PALETTE_RGB

REPO = Path(__file__).resolve().parents[3]
H, W = HEIGHT // STRIDE, WIDTH // STRIDE


def _run(model: onnx.ModelProto, image: np.ndarray) -> np.ndarray:
    """A tiny reference interpreter for the plain ops this graph may use."""
    values = {t.name: numpy_helper.to_array(t).astype(np.float64 if t.data_type == 1 else np.int64)
              for t in model.graph.initializer}
    values[model.graph.input[0].name] = image.astype(np.float64)
    for node in model.graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        x = [values[name] for name in node.input]
        if node.op_type == "Mul":
            y = x[0] * x[1]
        elif node.op_type == "Add":
            y = x[0] + x[1]
        elif node.op_type == "Sub":
            y = x[0] - x[1]
        elif node.op_type == "AveragePool":
            k = attrs["kernel_shape"]
            assert list(attrs["strides"]) == list(k) and "pads" not in attrs
            n, c, h, w = x[0].shape
            y = x[0].reshape(n, c, h // k[0], k[0], w // k[1], k[1]).mean(axis=(3, 5))
        elif node.op_type == "Unsqueeze":
            y = np.expand_dims(x[0], tuple(int(a) for a in x[1]))
        elif node.op_type == "ReduceSum":
            y = x[0].sum(axis=tuple(int(a) for a in x[1]), keepdims=bool(attrs.get("keepdims", 1)))
        else:
            raise AssertionError(f"unexpected op {node.op_type}")
        values[node.output[0]] = y
    return values[model.graph.output[0].name]


@pytest.fixture(scope="module")
def small_fit() -> CellModel:
    return fit(list(range(6)), workers=2, height=128, width=256)


def test_graph_is_valid_plain_onnx_with_the_manifest_shapes(small_fit):
    model = build_graph(small_fit)
    onnx.checker.check_model(model, full_check=True)
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 17)]
    (inp,), (out,) = model.graph.input, model.graph.output

    def dims(value: onnx.ValueInfoProto) -> list[int]:
        return [d.dim_value for d in value.type.tensor_type.shape.dim]

    assert inp.name == "image" and dims(inp) == [1, 3, 512, 1024]
    assert out.name == "logits" and dims(out) == [1, NUM_CLASSES, 64, 128]
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    assert dims(inferred.graph.output[0]) == [1, NUM_CLASSES, 64, 128]


def test_graph_computes_the_fitted_formula(small_fit):
    rng = np.random.default_rng(0)
    rgb = rng.uniform(0, 255, (HEIGHT, WIDTH, 3))
    image = ((rgb - MEAN) / STD).transpose(2, 0, 1)[None]
    out = _run(build_graph(small_fit), image.astype(np.float32))
    cells = rgb.reshape(H, STRIDE, W, STRIDE, 3).mean(axis=(1, 3)).transpose(2, 0, 1)
    expected = logits(small_fit, cells)
    assert out.shape == (1, NUM_CLASSES, H, W)
    assert np.allclose(out[0], expected, rtol=1e-4, atol=1e-2)


def test_fitted_colours_separate_sky_from_vegetation(small_fit):
    sky, vegetation = small_fit.mean[10], small_fit.mean[8]
    assert sky[2] > vegetation[2] + 20  # blue-ish sky, green foliage (RGB order)
    assert np.all(small_fit.var > 0)
    assert np.allclose(np.exp(small_fit.log_prior).sum(axis=0), 1.0)


def test_manifest_keys_and_palette():
    m = manifest("baseline-palette", "scenes", 0.5)
    assert list(m) == ["name", "variant", "input", "output", "classes", "precision", "customOps", "training"]
    assert m["input"] == {"height": 512, "width": 1024, "layout": "NCHW", "dtype": "float32", "colorOrder": "RGB",
                          "mean": [123.675, 116.28, 103.53], "std": [58.395, 57.12, 57.375], "name": "image"}
    assert m["output"] == {"kind": "logits", "stride": 8, "name": "logits"}
    assert [c["name"] for c in m["classes"]] == list(CLASS_NAMES)
    assert m["classes"][0] == {"id": 0, "name": "road", "color": [128, 64, 128]}
    assert [tuple(c["color"]) for c in m["classes"]] == list(PALETTE_RGB)


def test_committed_model_matches_its_manifest():
    model_path = REPO / "models" / "baseline-palette.onnx"
    meta = json.loads(model_path.with_suffix(".json").read_text())
    model = onnx.load(str(model_path))
    onnx.checker.check_model(model, full_check=True)
    assert meta["variant"] == "baseline-palette" and meta["customOps"]["ops"] == []
    shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert shape == [1, 3, meta["input"]["height"], meta["input"]["width"]]
    out = [d.dim_value for d in model.graph.output[0].type.tensor_type.shape.dim]
    stride = meta["output"]["stride"]
    assert out == [1, len(meta["classes"]), shape[2] // stride, shape[3] // stride]
    assert 0.05 < meta["training"]["mIoU"] < 1.0
