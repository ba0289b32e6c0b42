"""Small ONNX graph utilities: shapes through the custom nodes, tensor types, metadata."""

from __future__ import annotations

from typing import Dict, List, Optional

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper, shape_inference

from .ops.backend import DOMAIN


def _known(info: Optional[onnx.ValueInfoProto]) -> bool:
    return info is not None and info.type.tensor_type.HasField("shape") and all(
        d.HasField("dim_value") for d in info.type.tensor_type.shape.dim)


def value_infos(model: onnx.ModelProto) -> Dict[str, onnx.ValueInfoProto]:
    graph = model.graph
    infos = {vi.name: vi for vi in list(graph.value_info) + list(graph.input) + list(graph.output)}
    for init in graph.initializer:
        infos.setdefault(init.name, helper.make_tensor_value_info(init.name, init.data_type, list(init.dims)))
    return infos


def infer_shapes(model: onnx.ModelProto) -> onnx.ModelProto:
    """ONNX shape inference, with both custom ops typed as `output 0 = input 0` (OPS.md): each custom
    node's output gets input 0's type and shape, and inference is rerun until nothing changes."""
    model = shape_inference.infer_shapes(model)
    custom = [node for node in model.graph.node if node.domain == DOMAIN]
    while True:
        infos = value_infos(model)
        added = 0
        for node in custom:
            source, target = infos.get(node.input[0]), infos.get(node.output[0])
            if _known(source) and not _known(target):
                typed = onnx.ValueInfoProto()
                typed.CopyFrom(source)
                typed.name = node.output[0]
                if target is not None:
                    model.graph.value_info.remove(target)
                model.graph.value_info.append(typed)
                added += 1
        if not added:
            return model
        model = shape_inference.infer_shapes(model)


def tensor_shape(model: onnx.ModelProto, name: str) -> List[int]:
    info = value_infos(model)[name]
    return [d.dim_value for d in info.type.tensor_type.shape.dim]


def tensor_type(model: onnx.ModelProto, name: str) -> int:
    return value_infos(model)[name].type.tensor_type.elem_type


def set_metadata(model: onnx.ModelProto, values: Dict[str, str]) -> None:
    existing = {p.key: p for p in model.metadata_props}
    for key, value in values.items():
        prop = existing.get(key) or model.metadata_props.add()
        prop.key, prop.value = key, value


DTYPE_NAMES = {TensorProto.FLOAT: "float32", TensorProto.FLOAT16: "float16", TensorProto.UINT8: "uint8",
               TensorProto.INT64: "int64", TensorProto.INT8: "int8"}


def _numpy_dtype(onnx_type: int) -> "np.dtype":
    if hasattr(helper, "tensor_dtype_to_np_dtype"):          # onnx >= 1.13
        return helper.tensor_dtype_to_np_dtype(onnx_type)
    return onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[onnx_type]     # onnx 1.12 (Debian 12)


def _evaluate(node: onnx.NodeProto, inputs: List["np.ndarray"]) -> Optional["np.ndarray"]:
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    op = node.op_type
    if op == "Identity":
        return inputs[0]
    if op == "Neg":
        return -inputs[0]
    if op == "Exp":
        return np.exp(inputs[0])
    if op == "Reshape" and len(inputs) == 2:
        return inputs[0].reshape(inputs[1])
    if op == "Cast":
        return inputs[0].astype(_numpy_dtype(attrs["to"]))
    if op == "Unsqueeze" and len(inputs) == 2:
        return np.expand_dims(inputs[0], tuple(int(a) for a in inputs[1]))
    return None


def fold_initializer_ops(model: onnx.ModelProto) -> onnx.ModelProto:
    """Replace simple nodes (Identity, Neg, Exp, Reshape, Cast, Unsqueeze) whose inputs are all initializers
    by initializers: e.g. A = -exp(A_logs) becomes one float32 constant input of the scan node."""
    graph = model.graph
    values = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            values[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    graph_outputs = {o.name for o in graph.output}
    kept = []
    for node in graph.node:
        if (node.op_type != "Constant" and len(node.output) == 1 and node.output[0] not in graph_outputs
                and node.input and all(i in values for i in node.input)):
            result = _evaluate(node, [values[i] for i in node.input])
            if result is not None:
                values[node.output[0]] = result
                graph.initializer.append(numpy_helper.from_array(np.asarray(result), node.output[0]))
                continue
        kept.append(node)
    del graph.node[:]
    graph.node.extend(kept)
    return remove_unused(model)


def remove_unused(model: onnx.ModelProto) -> onnx.ModelProto:
    """Drop nodes and initializers that no graph output depends on."""
    graph = model.graph
    needed = {o.name for o in graph.output}
    kept = []
    for node in reversed(graph.node):
        if any(o in needed for o in node.output):
            kept.append(node)
            needed.update(i for i in node.input if i)
    del graph.node[:]
    graph.node.extend(reversed(kept))
    initializers = [init for init in graph.initializer if init.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    infos = [vi for vi in graph.value_info if vi.name in needed]
    del graph.value_info[:]
    graph.value_info.extend(infos)
    return model


def share_identical_tensors(model: onnx.ModelProto, min_bytes: int = 1024) -> onnx.ModelProto:
    """Keep one copy of equal constant tensors: tracing folds the frozen RoPE tables into separate
    constants for q and k of every block, which multiplies the stage-1 table (MBs) by 2 x depth."""
    graph = model.graph
    first: Dict[tuple, str] = {}
    alias: Dict[str, str] = {}

    def visit(name: str, tensor: onnx.TensorProto) -> bool:
        """True if `name` duplicates an earlier tensor (and is now an alias of it)."""
        array = numpy_helper.to_array(tensor)
        if array.nbytes < min_bytes:
            return False
        key = (tensor.data_type, tuple(array.shape), array.tobytes())
        if key in first:
            alias[name] = first[key]
            return True
        first[key] = name
        return False

    initializers = [init for init in graph.initializer if not visit(init.name, init)]
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    kept = [node for node in graph.node
            if not (node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value"
                    and visit(node.output[0], node.attribute[0].t))]
    for node in kept:
        node.input[:] = [alias.get(name, name) for name in node.input]
    del graph.node[:]
    graph.node.extend(kept)
    return remove_unused(model)


def _separable_halves(array: "np.ndarray") -> bool:
    """True for an (H, W, D) table whose first D/2 channels vary along H only and last D/2 along W only."""
    if array.ndim != 3 or array.shape[2] % 2 or min(array.shape[:2]) < 2:
        return False
    half = array.shape[2] // 2
    return bool(np.array_equal(array[:, :, :half], np.broadcast_to(array[:, :1, :half], array[:, :, :half].shape))
                and np.array_equal(array[:, :, half:], np.broadcast_to(array[:1, :, half:], array[:, :, half:].shape)))


def factor_position_tables(model: onnx.ModelProto, min_bytes: int = 64 * 1024) -> onnx.ModelProto:
    """Store each frozen RoPE table as its row and column halves: an (H, W, D) constant whose first D/2
    channels depend on the row only and last D/2 on the column only becomes Concat(Expand(rows), Expand(cols)).

    Exact, and free at run time (ONNX Runtime and TensorRT fold constant subgraphs when they load a model),
    but H*W*D floats become (H + W)*D/2: at 320x640 the stage-1 tables alone are 3 MiB, which would take the
    fp32 graph past its 16 MiB budget."""
    graph = model.graph
    nodes: List[onnx.NodeProto] = []
    for node in graph.node:
        if not (node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value"):
            nodes.append(node)
            continue
        tensor = node.attribute[0].t
        array = numpy_helper.to_array(tensor)
        if array.nbytes < min_bytes or not np.issubdtype(array.dtype, np.floating) or not _separable_halves(array):
            nodes.append(node)
            continue
        height, width, depth = array.shape
        half = depth // 2
        name = node.output[0]
        shape = np.array([height, width, half], np.int64)
        graph.initializer.extend([
            numpy_helper.from_array(np.ascontiguousarray(array[:, :1, :half]), f"{name}/rows"),
            numpy_helper.from_array(np.ascontiguousarray(array[:1, :, half:]), f"{name}/cols"),
            numpy_helper.from_array(shape, f"{name}/shape")])
        nodes.extend([
            helper.make_node("Expand", [f"{name}/{part}", f"{name}/shape"], [f"{name}/{part}_full"],
                             name=f"{name}/Expand_{part}") for part in ("rows", "cols")])
        nodes.append(helper.make_node("Concat", [f"{name}/rows_full", f"{name}/cols_full"], [name], axis=-1,
                                      name=f"{name}/Concat"))
    del graph.node[:]
    graph.node.extend(nodes)
    return model
