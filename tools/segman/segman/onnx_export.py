"""Trace a SegMAN model to ONNX (opset 17) with the custom-op or the standard-op decomposition."""

from __future__ import annotations

import inspect
import io
import warnings
from collections import Counter
from typing import Dict

import onnx
import torch
from torch import nn

from .manifest import INPUT_NAME
from .network import SegMAN
from .ops.backend import DOMAIN, DOMAIN_VERSION, NA_OP, SCAN_OP, use_backend

OPSET = 17


class SegmentationHead(nn.Module):
    """The exported function: image -> logits (N, classes, H/8, W/8) or labels (N, H/8, W/8) uint8."""

    def __init__(self, model: SegMAN, output: str) -> None:
        super().__init__()
        if output not in ("logits", "labels"):
            raise ValueError(f"output must be 'logits' or 'labels', not '{output}'")
        self.model = model
        self.output = output

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        logits = self.model(image)
        if self.output == "labels":
            return logits.argmax(dim=1).to(torch.uint8)
        return logits


def trace_to_onnx(model: SegMAN, height: int, width: int, output: str, decompose: bool,
                  batch: int = 1) -> onnx.ModelProto:
    """Export an eval-mode model for one fixed input size; RoPE tables and the stage-4 bias become constants."""
    head = SegmentationHead(model, output).eval()
    image = torch.zeros(batch, 3, height, width)
    kwargs: Dict[str, object] = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False            # torch >= 2.5: keep the TorchScript exporter (autograd symbolics)
    buffer = io.BytesIO()
    model.freeze_resolution(height, width)
    try:
        with use_backend("decomposed" if decompose else "custom"), warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(head, (image,), buffer, opset_version=OPSET, input_names=[INPUT_NAME],
                              output_names=[output], do_constant_folding=True,
                              custom_opsets={} if decompose else {DOMAIN: DOMAIN_VERSION}, **kwargs)
    finally:
        model.freeze_resolution(None, None)
    graph = onnx.load_from_string(buffer.getvalue())
    graph.producer_name = "segman.export"
    return graph


def custom_node_counts(model: onnx.ModelProto) -> Counter:
    return Counter(node.op_type for node in model.graph.node if node.domain == DOMAIN)


def expected_custom_nodes(model: SegMAN) -> Dict[str, int]:
    """One scan per SS2D (encoder stages 1-3 and the decoder block) and one NA per encoder block."""
    depths = model.variant.depths
    return {SCAN_OP: sum(depths[:3]) + 1, NA_OP: sum(depths)}


def check_graph(model: onnx.ModelProto, decomposed: bool, expected: Dict[str, int]) -> None:
    """Raise unless the graph is valid ONNX and holds exactly the expected custom nodes."""
    onnx.checker.check_model(model)
    counts = custom_node_counts(model)
    wanted = Counter() if decomposed else Counter(expected)
    if counts != wanted:
        raise RuntimeError(f"custom nodes in the graph {dict(counts)} differ from the expected {dict(wanted)}")
    if any(node.op_type == "BatchNormalization" for node in model.graph.node):
        raise RuntimeError("BatchNormalization left in the graph: fold it before export")
    if any(node.op_type in ("Loop", "Scan", "If") for node in model.graph.node):
        raise RuntimeError("control-flow ops in the graph")
