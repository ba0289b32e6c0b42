"""The compile cache file: xz round trip through torch.compiler's artifact calls, clear errors for bad files."""

from __future__ import annotations

import lzma
from pathlib import Path
from types import SimpleNamespace
from typing import List

import pytest
import torch

from segman import compile_cache


@pytest.fixture
def compiler(monkeypatch: pytest.MonkeyPatch) -> List[bytes]:
    """torch.compiler's two artifact calls, faked: saving returns fixed bytes, loading records what it got."""
    loaded: List[bytes] = []
    info = SimpleNamespace(artifacts={"inductor": ["a", "b"], "aot_autograd": ["c"], "pgo": []})
    fake = SimpleNamespace(save_cache_artifacts=lambda: (b"kernels" * 1000, info),
                           load_cache_artifacts=lambda data: loaded.append(data) or info)
    monkeypatch.setattr(torch, "compiler", fake, raising=False)
    monkeypatch.setattr(compile_cache, "_loaded", set())
    return loaded


def test_saved_artifacts_load_back_unchanged(tmp_path: Path, compiler: List[bytes]) -> None:
    path = tmp_path / compile_cache.FILE_NAME
    saved = compile_cache.save(path)
    assert saved is not None and "2 inductor, 1 aot_autograd" in saved and "compressed" in saved
    assert path.stat().st_size < 7000                       # stored compressed
    assert compile_cache.load(path) == "0.0 MiB of compiled artifacts (2 inductor, 1 aot_autograd)"
    assert compiler == [b"kernels" * 1000]


def test_a_run_that_compiled_nothing_new_does_not_write_the_loaded_cache_again(
        tmp_path: Path, compiler: List[bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    first = tmp_path / "first" / compile_cache.FILE_NAME
    first.parent.mkdir()
    compile_cache.save(first)
    compile_cache.load(first)
    again = tmp_path / compile_cache.FILE_NAME
    assert "the same as the cache loaded: not written again" in str(compile_cache.save(again))
    assert not again.exists()
    # One artifact more (a kernel compiled after the load, saved in another order): written.
    more = SimpleNamespace(artifacts={"aot_autograd": ["c"], "inductor": ["b", "a", "d"]})
    monkeypatch.setattr(torch.compiler, "save_cache_artifacts", lambda: (b"more kernels" * 100, more))
    assert "compressed" in str(compile_cache.save(again)) and again.exists()


def test_nothing_compiled_saves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch, "compiler", SimpleNamespace(save_cache_artifacts=lambda: None,
                                                           load_cache_artifacts=lambda data: None), raising=False)
    assert compile_cache.save(tmp_path / compile_cache.FILE_NAME) is None
    assert not (tmp_path / compile_cache.FILE_NAME).exists()


def test_missing_cache_names_the_file_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="does not exist: leave --compile-cache out"):
        compile_cache.load(tmp_path / "absent.bin.xz")


def test_corrupt_cache_names_the_file_and_the_fix(tmp_path: Path, compiler: List[bytes]) -> None:
    path = tmp_path / compile_cache.FILE_NAME
    path.write_bytes(b"not xz")
    with pytest.raises(SystemExit, match="is not an xz file written by segman.train"):
        compile_cache.load(path)
    path.write_bytes(lzma.compress(b"x" * 100)[:-8])              # truncated
    with pytest.raises(SystemExit, match="delete it"):
        compile_cache.load(path)
    assert compiler == []
