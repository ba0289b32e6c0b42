from collections import Counter
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

import pytest

from segman.export import ExportOptions, export
from segman.random_weights import random_model

MiB = 2 ** 20


def _large_constants(model: onnx.ModelProto, min_bytes: int = 1024) -> Counter:
    tensors = list(model.graph.initializer) + [node.attribute[0].t for node in model.graph.node
                                               if node.op_type == "Constant" and node.attribute]
    arrays = [numpy_helper.to_array(t) for t in tensors]
    return Counter((a.dtype.str, a.shape, a.tobytes()) for a in arrays if a.nbytes >= min_bytes)


@pytest.mark.parametrize("variant,stride", [("T-slim", 8), ("T-slim4", 4), ("T-slim2", 2)])
def test_demo_variant_fp32_graph_fits_16_mib_and_holds_no_duplicate_constants(tmp_path: Path, variant: str,
                                                                              stride: int) -> None:
    model = random_model(variant)                          # non-degenerate weights: every table differs
    out = tmp_path / "demo.onnx"
    height, width = 320, 640                               # the shipped demo model's input
    result = export(ExportOptions(out=out, variant=variant, height=height, width=width), model)
    assert out.stat().st_size <= 16 * MiB
    assert result.manifest["variant"] == variant
    assert result.manifest["output"]["stride"] == stride
    logits = [o for o in onnx.load(str(out), load_external_data=False).graph.output][0]
    assert [d.dim_value for d in logits.type.tensor_type.shape.dim][-2:] == [height // stride, width // stride]
    graph = onnx.load(str(out))
    duplicates = [count for count in _large_constants(graph).values() if count > 1]
    assert not duplicates
    # The frozen stage-1 RoPE tables (80 x 160 x 32, sin and cos) are stored once each, as rows and columns.
    shapes = Counter(tuple(t.attribute[0].t.dims) for t in graph.graph.node if t.op_type == "Constant")
    shapes.update(tuple(t.dims) for t in graph.graph.initializer)
    assert shapes[(80, 160, 32)] == 0
    assert shapes[(80, 1, 16)] == 2 and shapes[(1, 160, 16)] == 2
    assert np.isclose(sum(p.numel() for p in model.parameters()) / 1e6, 2.91, atol=0.01)
