from typing import List, Optional

import pytest
import torch
from torch import nn

from segman import regions
from segman.decoder import Decoder
from segman.encoder import Block
from segman.network import build_segman


def test_every_encoder_block_and_the_decoder_are_compiled_in_place(monkeypatch) -> None:
    compiled: List[tuple] = []

    def fake_compile(self: nn.Module, mode: Optional[str] = None, dynamic: Optional[bool] = None) -> None:
        compiled.append((type(self), mode, dynamic))

    monkeypatch.setattr(regions, "supported", lambda: True)
    monkeypatch.setattr(nn.Module, "compile", fake_compile, raising=False)
    model = build_segman("nano")
    names = set(model.state_dict())
    count = regions.compile_regions(model, "reduce-overhead")
    assert count == sum(model.variant.depths) + 1
    assert compiled == [(Block, "reduce-overhead", False)] * sum(model.variant.depths) + [
        (Decoder, "reduce-overhead", False)]
    assert set(model.state_dict()) == names, "checkpoints keep their parameter names"
    compiled.clear()
    regions.compile_regions(model, "default")
    assert {mode for _, mode, _ in compiled} == {None}, "inductor's default mode is asked for by no mode"


def test_an_unknown_mode_or_an_old_pytorch_is_refused_with_the_fix(monkeypatch) -> None:
    model = build_segman("nano")
    with pytest.raises(SystemExit, match="--compile-mode must be one of default, reduce-overhead"):
        regions.compile_regions(model, "fastest")
    monkeypatch.setattr(regions, "supported", lambda: False)
    with pytest.raises(SystemExit, match="leave --compile out"):
        regions.compile_regions(model)


def test_cuda_graph_steps_are_marked_only_in_reduce_overhead_mode(monkeypatch) -> None:
    marks: List[int] = []
    compiler = type("Compiler", (), {"cudagraph_mark_step_begin": staticmethod(lambda: marks.append(1))})
    monkeypatch.setattr(regions, "supported", lambda: True)
    monkeypatch.setattr(torch, "compiler", compiler, raising=False)
    regions.step_begins("default")
    regions.step_begins("reduce-overhead")
    assert marks == [1]


def test_after_training_the_compiled_regions_run_eagerly(monkeypatch) -> None:
    stances: List[str] = []
    compiler = type("Compiler", (), {"set_stance": staticmethod(stances.append)})
    monkeypatch.setattr(torch, "compiler", compiler, raising=False)
    regions.run_eagerly()
    assert stances == ["force_eager"]
