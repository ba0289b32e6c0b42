"""torch.compile's artifacts (the graphs and kernels of the compiled scan, or of the compiled blocks), saved by one
training run and loaded by the next on the same kind of machine, so that the next one loads its kernels instead of
compiling them again.

PyTorch >= 2.7 packs them portably (`torch.compiler.save_cache_artifacts`); elsewhere both calls do nothing.
A cache that does not match (another PyTorch, GPU or source) only misses: the run compiles as without it.
"""

from __future__ import annotations

import lzma
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

import torch

FILE_NAME = "compile-cache.bin.xz"

# The artifacts repeat each other over tens of MiB (every graph's kernels carry the same runtime code): an xz window
# that large packs them 2.6x smaller than gzip's 32 KiB one (77 MiB of the scan's: 4.6 against 11.7 MiB), at its
# fastest preset in twice the time (3.6 against 1.9 s).
_FILTERS = [{"id": lzma.FILTER_LZMA2, "preset": 1, "dict_size": 64 << 20}]

# (kind, key) of every artifact this process loaded: where a run compiled nothing beyond them, saving would only write
# the loaded cache again (in another order, so comparing the bytes does not tell).
_loaded: Set[Tuple[str, str]] = set()


def supported() -> bool:
    compiler = getattr(torch, "compiler", None)
    return hasattr(compiler, "save_cache_artifacts") and hasattr(compiler, "load_cache_artifacts")


def load(path: Path) -> Optional[str]:
    """Load a saved cache before anything is compiled; returns what was loaded, None where nothing was."""
    if not path.is_file():
        raise SystemExit(f"compile cache {path} does not exist: leave --compile-cache out (the run then compiles "
                         "and saves a fresh one beside its checkpoint)")
    try:
        data = lzma.decompress(path.read_bytes(), format=lzma.FORMAT_XZ)
    except (lzma.LZMAError, EOFError) as error:
        raise SystemExit(f"compile cache {path} is not an xz file written by segman.train ({error}); delete it "
                         "or leave --compile-cache out") from error
    if not supported():
        return None
    info = torch.compiler.load_cache_artifacts(data)
    _loaded.update(_keys(info))
    return None if info is None else _describe(info, len(data))


def save(path: Path) -> Optional[str]:
    """Write what this process compiled so far; returns a description, None where there is nothing to save.
    Where that is exactly a cache it loaded, nothing is written (compressing it again takes seconds of the budget)."""
    if not supported():
        return None
    saved = torch.compiler.save_cache_artifacts()
    if saved is None:
        return None
    data, info = saved
    if _loaded and _keys(info) <= _loaded:
        return f"{_describe(info, len(data))}, the same as the cache loaded: not written again"
    path.write_bytes(lzma.compress(data, format=lzma.FORMAT_XZ, filters=_FILTERS))
    return f"{_describe(info, len(data))}, {path.stat().st_size / 2**20:.1f} MiB compressed"


def _artifacts(info: object) -> Dict[str, List[object]]:
    """The artifact keys of a saved or loaded cache by kind; empty where PyTorch reports none."""
    artifacts = getattr(info, "artifacts", None)
    return artifacts if isinstance(artifacts, dict) else {}


def _keys(info: object) -> Set[Tuple[str, str]]:
    return {(kind, str(key)) for kind, keys in _artifacts(info).items() for key in keys}


def _describe(info: object, size: int) -> str:
    counts = ", ".join(f"{len(v)} {k}" for k, v in _artifacts(info).items() if v)
    return f"{size / 2**20:.1f} MiB of compiled artifacts" + (f" ({counts})" if counts else "")
