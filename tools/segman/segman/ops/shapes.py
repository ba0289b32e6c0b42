"""Static shapes under tracing.

While tracing, `x.shape` entries are recorded as graph values, so every reshape computed from them turns
into Shape/Gather/Concat chains. Export is for one fixed size, so sizes are read as plain ints instead.
"""

from __future__ import annotations

from typing import Tuple

import torch


def dims(x: torch.Tensor) -> Tuple[int, ...]:
    return tuple(int(d) for d in x.shape)
