"""Static shapes under tracing.

While tracing, `x.shape` entries are recorded as graph values, so every reshape computed from them turns
into Shape/Gather/Concat chains. Export is for one fixed size, so sizes are read as plain ints instead.
"""

from __future__ import annotations

from typing import Tuple

import torch


def dims(x: torch.Tensor) -> Tuple[int, ...]:
    if _compiling():        # torch.compile traces sizes as symbols: int() would pin the graph to one shape
        return tuple(x.shape)
    return tuple(int(d) for d in x.shape)


def _compiling() -> bool:
    compiler = getattr(torch, "compiler", None)     # PyTorch >= 2.3
    return bool(compiler is not None and hasattr(compiler, "is_compiling") and compiler.is_compiling())
