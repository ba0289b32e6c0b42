"""The stack sampler finds where a program spends its time, and writes its report however the program ends."""

from __future__ import annotations

import sys
import time
import types
from pathlib import Path

import pytest

from segman.stack_sampler import StackSampler, main


def slow_part() -> None:
    time.sleep(0.3)


def quick_part() -> None:
    time.sleep(0.03)


def test_the_slow_function_takes_most_samples() -> None:
    with StackSampler(interval=0.002) as sampler:
        quick_part()
        slow_part()
    # Inclusive counts hold the test runner's own frames too: look at all of them.
    shares = {name.split(":")[-1]: share for name, _, share in sampler.top(1000)}
    assert sampler.samples > 50
    assert shares["slow_part"] > 0.7
    assert shares.get("quick_part", 0.0) < 0.2
    assert sampler.top(1, exclusive=True)[0][0].endswith(":slow_part"), "sleep is C code: the caller is the top"
    chain, _ = sampler.chains.most_common(1)[0]
    assert chain[0].endswith(":slow_part") and chain[1].endswith(":test_the_slow_function_takes_most_samples")
    assert " <- " in sampler.report()


def test_main_runs_a_module_by_name_and_writes_the_report_even_when_it_fails(tmp_path: Path, monkeypatch) -> None:
    module = types.ModuleType("sampled_program")

    def program_main(args: list) -> None:
        slow_part()
        raise RuntimeError(f"failed with {args}")

    module.main = program_main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sampled_program", module)
    report = tmp_path / "report.txt"
    with pytest.raises(RuntimeError, match="--x"):
        main([str(report), "sampled_program", "--x"])
    text = report.read_text()
    assert text.split("\n")[1].endswith("samples, every 5 ms")
    assert "slow_part" in text
