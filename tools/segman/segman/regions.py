"""Regional compilation of the training model: every encoder block and the decoder compiled on their own.

Eager, a training step of the demo model runs many small kernels between its convolutions and products (norms,
activations, residual adds, the attention's bias and softmax); inductor fuses them. Blocks rather than the whole
model: the blocks of a stage run the same code on the same shapes, and the graph break around the scan
(`ops/fused.py`) splits a block, not the model. Modules are compiled in place (`nn.Module.compile`), so parameter
names and checkpoints stay as they are. First measured (bench/RESULTS.md, "Compiled blocks"): 1.17-1.27x the
frames/s of eager blocks, for 53-84 s more warm-up even from the compile cache. Both changed once the warm-up's
C compiler runs (`ops/devices.py`) and the host's waits in the step (`prefetch.py`) were gone: from a cache the
compiled blocks warm up in about 30 s, and with CUDA graphs (`reduce-overhead`) a training call sees 1.26x the
frames of compiled blocks alone ("The step in CUDA graphs"). It stays off by default because without a cache of
the same kind of machine compiling takes minutes of a call.
Compiled, the tiled attention runs its products explicit (`train.tile_products`)."""

from __future__ import annotations

from typing import List

import torch
from torch import nn

from .network import SegMAN

MODES = ("default", "reduce-overhead", "max-autotune-no-cudagraphs")

# All ten blocks run one code object (Block.forward), each stage on its own shapes and each block with its own
# module: dynamo's default of 8 graphs per code object could leave some blocks eager.
RECOMPILE_LIMIT = 32


def supported() -> bool:
    return hasattr(nn.Module, "compile") and hasattr(torch, "compiler")


def regions(model: SegMAN) -> List[nn.Module]:
    """The modules compiled on their own: the encoder's blocks, then the decoder."""
    return [*(block for stage in model.encoder.stages for block in stage.blocks), model.decoder]


def compile_regions(model: SegMAN, mode: str = "default", one_config: bool = False) -> int:
    """Compile every region in place (compilation itself happens on the first forward); returns how many.
    `one_config`: pointwise and reduction kernels take inductor's first launch config instead of timing several on
    their first run, which a run that loads its kernels from a compile cache still does."""
    if mode not in MODES:
        raise SystemExit(f"--compile-mode must be one of {', '.join(MODES)}, not '{mode}'")
    if not supported():
        raise SystemExit(f"--compile needs PyTorch >= 2.2 (nn.Module.compile); this is {torch.__version__}: "
                         "leave --compile out")
    _raise_recompile_limit()
    if one_config:
        from torch._inductor import config as inductor_config
        inductor_config.triton.autotune_pointwise = False
    compiled = regions(model)
    for region in compiled:
        region.compile(mode=None if mode == "default" else mode, dynamic=False)
    return len(compiled)


def _raise_recompile_limit() -> None:
    try:
        from torch._dynamo import config
    except ImportError:
        return
    for name in ("recompile_limit", "cache_size_limit"):      # the newer name, and the older
        if hasattr(config, name):
            setattr(config, name, max(int(getattr(config, name)), RECOMPILE_LIMIT))


def step_begins(mode: str) -> None:
    """Before each training step: with CUDA graphs (`reduce-overhead`) the previous step's graph outputs may then
    be overwritten, which the next forward needs to know."""
    if mode == "reduce-overhead" and supported():
        torch.compiler.cudagraph_mark_step_begin()


def run_eagerly() -> None:
    """From now on compiled regions run eagerly: evaluation runs other shapes and the reference ops, which would
    only compile everything again."""
    set_stance = getattr(getattr(torch, "compiler", None), "set_stance", None)
    if set_stance is not None:
        set_stance("force_eager")
