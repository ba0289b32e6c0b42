"""Float32 -> float16 conversion of an exported graph, keeping the numerically fragile parts in float32.

Kept in float32: LayerNormalization and Softmax (fp16 LayerNorm overflows in TensorRT), Q/DQ nodes, the
decomposed selective scan (every node under a `/scan/` scope: softplus(Δ) overflows fp16 above ~11 and the
decays and state need fp32), and the custom scan's A, D and delta_bias inputs (OPS.md). Graph inputs and
outputs stay float32 (the agent feeds float32); Casts are inserted wherever the two precisions meet.
"""

from __future__ import annotations

import copy
from typing import Dict, Set, Tuple

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .onnx_tools import infer_shapes, remove_unused, value_infos
from .ops.backend import DOMAIN, SCAN_OP

FLOAT, HALF = TensorProto.FLOAT, TensorProto.FLOAT16
KEEP_FP32_OPS = {"LayerNormalization", "Softmax", "QuantizeLinear", "DequantizeLinear"}
KEEP_FP32_SCOPES = ("/scan/",)
FLOAT32_INPUTS: Dict[Tuple[str, str], Set[int]] = {
    (DOMAIN, SCAN_OP): {4, 5, 6},       # A, D, delta_bias
    ("", "Resize"): {1, 2},             # roi, scales
}


def _keeps_fp32(node: onnx.NodeProto) -> bool:
    if node.domain == DOMAIN:
        return False        # custom nodes take T = float16 and compute in fp32 inside (OPS.md)
    return node.op_type in KEEP_FP32_OPS or any(scope in node.name for scope in KEEP_FP32_SCOPES)


def _constants_to_initializers(graph: onnx.GraphProto) -> None:
    kept = []
    for node in graph.node:
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            tensor = copy.deepcopy(node.attribute[0].t)
            tensor.name = node.output[0]
            graph.initializer.append(tensor)
        else:
            kept.append(node)
    del graph.node[:]
    graph.node.extend(kept)


def convert_to_fp16(model: onnx.ModelProto) -> onnx.ModelProto:
    model = copy.deepcopy(model)
    graph = model.graph
    _constants_to_initializers(graph)
    declared = {name: info.type.tensor_type.elem_type for name, info in value_infos(model).items()}
    initializers = {init.name: init for init in graph.initializer}
    current: Dict[str, int] = {name: declared[name] for name in declared}
    converted_initializers: Dict[Tuple[str, int], str] = {}
    casts: Dict[Tuple[str, int], str] = {}
    nodes = []

    def as_type(name: str, want: int) -> str:
        if name in initializers:
            key = (name, want)
            if key not in converted_initializers:
                array = numpy_helper.to_array(initializers[name]).astype(np.float16 if want == HALF else np.float32)
                new_name = f"{name}_{'fp16' if want == HALF else 'fp32'}"
                graph.initializer.append(numpy_helper.from_array(array, new_name))
                converted_initializers[key] = new_name
                current[new_name] = want
            return converted_initializers[key]
        key = (name, want)
        if key not in casts:
            new_name = f"{name}_{'fp16' if want == HALF else 'fp32'}"
            nodes.append(helper.make_node("Cast", [name], [new_name], name=f"{new_name}_cast", to=want))
            casts[key] = new_name
            current[new_name] = want
        return casts[key]

    for node in graph.node:
        fp32 = _keeps_fp32(node)
        forced = FLOAT32_INPUTS.get((node.domain, node.op_type), set())
        for index, name in enumerate(node.input):
            if name and current.get(name) in (FLOAT, HALF):
                want = FLOAT if fp32 or index in forced else HALF
                if current[name] != want:
                    node.input[index] = as_type(name, want)
        if not fp32:
            for attribute in node.attribute:
                if node.op_type == "Cast" and attribute.name == "to" and attribute.i == FLOAT:
                    attribute.i = HALF
                if node.op_type == "ConstantOfShape" and attribute.name == "value" and attribute.t.data_type == FLOAT:
                    attribute.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(attribute.t).astype(np.float16)))
        for output in node.output:
            kind = declared.get(output)
            if node.domain == DOMAIN:
                kind = current[node.input[0]]
            elif kind == FLOAT and not fp32:
                kind = HALF
            if kind is not None:
                current[output] = kind
        nodes.append(node)

    # Graph outputs stay float32: the producer writes an fp16 tensor that one Cast turns into the output.
    for output in graph.output:
        if current.get(output.name) == HALF:
            inner = f"{output.name}_fp16"
            for node in nodes:
                node.output[:] = [inner if o == output.name else o for o in node.output]
                node.input[:] = [inner if i == output.name else i for i in node.input]
            nodes.append(helper.make_node("Cast", [inner], [output.name], name=f"{output.name}_cast", to=FLOAT))
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.value_info[:]
    return infer_shapes(remove_unused(model))
