"""Devices as keys of the ops' table and mask caches."""

from __future__ import annotations

import torch


def indexed_device(device: torch.device) -> torch.device:
    """The device with its index: a tensor on the GPU reports `cuda:0` where its caller may have said `cuda`, and
    the two are different keys. Tables made before compilation under one and looked up while tracing under the
    other were made again inside the compiled blocks, from numpy: a CPU kernel in their graphs, which inductor
    built with the C compiler whenever the graphs were loaded on a fresh machine (bench/RESULTS.md)."""
    if device.type == "cuda" and device.index is None:
        return torch.device("cuda", torch.cuda.current_device())
    return device
