"""Static INT8 quantisation (QDQ) of SegMAN's convolutions and linear layers.

Every Conv2d and Linear module gets a symmetric per-tensor int8 quantiser on its input (scale from
calibration frames: a high percentile of |x|) and a symmetric per-output-channel int8 quantiser on its
weight. In PyTorch this is fake quantisation, which the exporter writes as QuantizeLinear/DequantizeLinear
pairs; afterwards the weight quantisers are folded into int8 initializers (weight -> DequantizeLinear).
The custom-op nodes, attention matmuls, LayerNorm, softmax and the SS2D projections stay float.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from torch import nn

from .frames import sample_frames
from .network import SegMAN
from .onnx_tools import fold_initializer_ops, remove_unused

QMAX = 127


class FakeQuant(nn.Module):
    """Quantise-dequantise the input of `inner` (per tensor) and its weight (per output channel)."""

    def __init__(self, inner: nn.Module, input_scale: float) -> None:
        super().__init__()
        self.inner = inner
        self.input_scale = float(input_scale)
        weight = inner.weight.detach()
        peak = weight.abs().reshape(weight.shape[0], -1).amax(dim=1).clamp(min=1e-12)
        self.register_buffer("weight_scale", (peak / QMAX).float())
        self.register_buffer("weight_zero", torch.zeros(weight.shape[0], dtype=torch.int32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.fake_quantize_per_tensor_affine(x, self.input_scale, 0, -QMAX - 1, QMAX)
        weight = torch.fake_quantize_per_channel_affine(self.inner.weight, self.weight_scale, self.weight_zero,
                                                        0, -QMAX - 1, QMAX)
        if isinstance(self.inner, nn.Conv2d):
            conv = self.inner
            return F.conv2d(x, weight, conv.bias, conv.stride, conv.padding, conv.dilation, conv.groups)
        return F.linear(x, weight, self.inner.bias)


def _targets(model: nn.Module) -> List[Tuple[nn.Module, str, nn.Module]]:
    found = []
    for parent in model.modules():
        for name, child in parent.named_children():
            if isinstance(child, (nn.Conv2d, nn.Linear)):
                found.append((parent, name, child))
    return found


def calibrate(model: SegMAN, frames: List[torch.Tensor], percentile: float = 99.99) -> Dict[nn.Module, float]:
    """Per target module: the mean over frames of the `percentile` of |input|, and the overall max."""
    stats: Dict[nn.Module, List[float]] = {}
    hooks = []
    for _, _, module in _targets(model):
        def hook(mod: nn.Module, inputs: Tuple[torch.Tensor, ...], _: torch.Tensor) -> None:
            values = inputs[0].detach().abs().flatten().float()
            rank = max(1, min(values.numel(), int(round(values.numel() * percentile / 100.0))))
            stats.setdefault(mod, []).append(float(values.kthvalue(rank).values))
        hooks.append(module.register_forward_hook(hook))
    try:
        with torch.no_grad():
            for frame in frames:
                model(frame)
    finally:
        for handle in hooks:
            handle.remove()
    return {module: max(float(np.mean(values)), 1e-8) for module, values in stats.items()}


def quantize(model: SegMAN, frames: List[torch.Tensor], percentile: float = 99.99) -> SegMAN:
    """A copy of a BN-folded eval model with fake-quantised convs and linears, calibrated on `frames`."""
    quantized = copy.deepcopy(model).eval()
    ranges = calibrate(quantized, frames, percentile)
    for parent, name, module in _targets(quantized):
        setattr(parent, name, FakeQuant(module, ranges[module] / QMAX))
    return quantized


def compare(reference: SegMAN, candidate: SegMAN, frames: List[torch.Tensor]) -> Dict[str, float]:
    """Agreement of the argmax labels and the logit error of `candidate` against `reference`."""
    agree, total, error, peak = 0, 0, 0.0, 0.0
    with torch.no_grad():
        for frame in frames:
            expected, actual = reference(frame), candidate(frame)
            agree += int((expected.argmax(1) == actual.argmax(1)).sum())
            total += expected.shape[0] * expected.shape[2] * expected.shape[3]
            error = max(error, float((expected - actual).abs().max()))
            peak = max(peak, float(expected.abs().max()))
    return {"pixelAgreement": agree / total, "maxAbsLogitError": error, "relativeLogitError": error / peak}


def quantize_for_export(model: SegMAN, options: Any) -> Tuple[SegMAN, Dict[str, object]]:
    """Calibrate on the train-split (or folder) frames, evaluate on disjoint frames, return the QDQ model."""
    calibration = sample_frames(options.calibration_frames, options.height, options.width, "train",
                                options.calibration, seed=options.seed)
    evaluation = sample_frames(options.evaluation_frames, options.height, options.width, "val",
                               options.calibration, skip=options.calibration_frames if options.calibration else 0,
                               seed=options.seed)
    quantized = quantize(model, calibration)
    report: Dict[str, object] = {
        "method": "static QDQ: int8 symmetric, per-tensor activations (99.99th percentile of |x|), "
                  "per-channel weights; custom ops, attention, LayerNorm, softmax and SS2D projections in float",
        "measuredWith": "PyTorch fake quantisation (the same Q/DQ arithmetic as the exported graph)",
        "calibrationFrames": len(calibration),
        "evaluationFrames": len(evaluation),
        "quantizedLayers": len(_targets(model)),
        **compare(model, quantized, evaluation),
    }
    return quantized, report


def store_int8_weights(model: onnx.ModelProto) -> onnx.ModelProto:
    """Replace each constant float weight -> QuantizeLinear by an int8 initializer (DequantizeLinear stays)."""
    model = fold_initializer_ops(model)
    graph = model.graph
    values = {init.name: init for init in graph.initializer}
    constants = {node.output[0]: node.attribute[0].t for node in graph.node
                 if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value"}

    def constant(name: str) -> Optional[np.ndarray]:
        tensor = values.get(name) or constants.get(name)
        return None if tensor is None else numpy_helper.to_array(tensor)

    kept = []
    for node in graph.node:
        if node.op_type == "QuantizeLinear":
            weight, scale = constant(node.input[0]), constant(node.input[1])
            zero = constant(node.input[2]) if len(node.input) > 2 else np.zeros((), np.int8)
            if weight is not None and scale is not None and zero is not None:
                axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
                shape = [1] * weight.ndim
                if scale.ndim == 1:
                    shape[axis] = scale.shape[0]
                q = np.round(weight / scale.reshape(shape)) + zero.astype(np.float64).reshape(shape)
                q = np.clip(q, -QMAX - 1, QMAX).astype(np.int8)
                graph.initializer.append(numpy_helper.from_array(q, node.output[0]))
                continue
        kept.append(node)
    del graph.node[:]
    graph.node.extend(kept)
    return remove_unused(model)

