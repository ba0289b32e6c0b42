"""How the model runs its two custom ops: pure-torch reference, custom ONNX nodes, or standard ONNX ops.

* ``reference``  (default): the chunked scan and the window gather, for training and evaluation.
* ``custom``: the same math, wrapped in autograd Functions whose ONNX symbolic is one node of the
  ``com.segman.edge`` domain (OPS.md). Used while exporting the custom-op graph.
* ``decomposed``: the log-depth scan and the window gather, which trace to standard ONNX ops only.
* ``flex``: the chunked scan and neighborhood attention through flex_attention (CUDA, PyTorch >= 2.5), for
  training: the same math without materialising every window (`flex_na.py`).
* ``fused``: both ops written for torch.compile and compiled (PyTorch >= 2; eager on 1.x), for training
  (`fused.py`).
* ``tiled``: neighborhood attention as masked dense attention over query tiles (`tiled_na.py`: one fused
  attention kernel on CUDA, plain batched products elsewhere) and the compiled scan of ``fused``, for training.
"""

from __future__ import annotations

import contextlib
from typing import Iterator, Optional

import torch
from torch import nn

from .flex_na import flex_neighborhood_attention_2d
from .fused import fused_neighborhood_attention_2d, fused_selective_scan_2d
from .neighborhood_attention import neighborhood_attention_2d
from .selective_scan import selective_scan_2d
from .tiled_na import tiled_neighborhood_attention_2d

DOMAIN = "com.segman.edge"
DOMAIN_VERSION = 1
SCAN_OP = "SelectiveScan2D"
NA_OP = "NeighborhoodAttention2D"
BACKENDS = ("reference", "custom", "decomposed", "flex", "fused", "tiled")

_backend = "reference"


def current_backend() -> str:
    return _backend


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[None]:
    """Run the custom ops with `name` inside the block (not thread-safe: export is single-threaded)."""
    global _backend
    if name not in BACKENDS:
        raise ValueError(f"unknown backend '{name}', expected one of {BACKENDS}")
    previous, _backend = _backend, name
    try:
        yield
    finally:
        _backend = previous


class _SelectiveScan2DFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, u, delta, B, C, A, D, delta_bias, delta_softplus: bool):  # type: ignore[override]
        return selective_scan_2d(u, delta, B, C, A, D, delta_bias, delta_softplus)

    @staticmethod
    def symbolic(g, u, delta, B, C, A, D, delta_bias, delta_softplus):  # type: ignore[no-untyped-def]
        node = g.op(f"{DOMAIN}::{SCAN_OP}", u, delta, B, C, A, D, delta_bias,
                    delta_softplus_i=int(bool(delta_softplus)))
        node.setType(u.type())
        return node


class _NeighborhoodAttention2DFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, q, k, v, rpb, kernel_size: int, dilation: int):  # type: ignore[override]
        return neighborhood_attention_2d(q, k, v, kernel_size, dilation, rpb)

    @staticmethod
    def symbolic(g, q, k, v, rpb, kernel_size, dilation):  # type: ignore[no-untyped-def]
        inputs = [q, k, v] if rpb is None else [q, k, v, rpb]
        node = g.op(f"{DOMAIN}::{NA_OP}", *inputs, kernel_size_i=int(kernel_size), dilation_i=int(dilation))
        node.setType(q.type())
        return node


class SelectiveScan2D(nn.Module):
    """Cross-scan + selective scan + cross-merge; its own module so exported node names carry '/scan/'."""

    def __init__(self, chunk: int = 128) -> None:
        super().__init__()
        self.chunk = chunk

    def forward(self, u: torch.Tensor, delta: torch.Tensor, B: torch.Tensor, C: torch.Tensor,
                A: torch.Tensor, D: torch.Tensor, delta_bias: torch.Tensor) -> torch.Tensor:
        if _backend == "custom":
            return _SelectiveScan2DFunction.apply(u, delta, B, C, A, D, delta_bias, True)
        if _backend in ("fused", "tiled"):
            return fused_selective_scan_2d(u, delta, B, C, A, D, delta_bias, True, self.chunk)
        method = "logdepth" if _backend == "decomposed" else "chunked"
        return selective_scan_2d(u, delta, B, C, A, D, delta_bias, True, method, self.chunk)


class NeighborhoodAttention2D(nn.Module):
    """Fused NA (QK + RPB -> softmax -> AV) over clamped K x K windows."""

    def __init__(self, kernel_size: int, dilation: int = 1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                rpb: Optional[torch.Tensor] = None) -> torch.Tensor:
        if _backend == "custom":
            return _NeighborhoodAttention2DFunction.apply(q, k, v, rpb, self.kernel_size, self.dilation)
        if _backend == "fused":
            return fused_neighborhood_attention_2d(q, k, v, self.kernel_size, self.dilation, rpb)
        if _backend == "flex":
            return flex_neighborhood_attention_2d(q, k, v, self.kernel_size, self.dilation, rpb)
        if _backend == "tiled":
            return tiled_neighborhood_attention_2d(q, k, v, self.kernel_size, self.dilation, rpb)
        return neighborhood_attention_2d(q, k, v, self.kernel_size, self.dilation, rpb)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, dilation={self.dilation}"
