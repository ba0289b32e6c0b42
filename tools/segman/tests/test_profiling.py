"""The profile's copy table names the shapes and the line (or the backward node) that made each copy."""

from __future__ import annotations

import torch
from torch.profiler import ProfilerActivity, profile

from segman.profiling import copy_sites, device_busy, format_copy_sites, stack_config


def transpose_copy(x: torch.Tensor) -> torch.Tensor:
    return x.t().contiguous()


def cast_copy(x: torch.Tensor) -> torch.Tensor:
    return x.to(torch.float64)


def test_copies_are_grouped_by_shape_and_call_site() -> None:
    big, small = torch.randn(512, 256), torch.randn(8, 4)
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True, with_stack=True,
                 experimental_config=stack_config()) as profiler:
        for _ in range(3):
            transpose_copy(big)
            cast_copy(small)
        big.sum()  # not a copy
    sites = copy_sites(profiler.events())

    transposes = [s for s in sites if "transpose_copy" in s.site]
    casts = [s for s in sites if "cast_copy" in s.site]
    assert len(transposes) == 1 and len(casts) == 1, [s.site for s in sites]
    assert transposes[0].count == 3 and casts[0].count == 3
    assert "[256, 512]" in transposes[0].shapes and "[8, 4]" in casts[0].shapes
    assert "test_profiling.py" in transposes[0].site
    assert transposes[0].host_us > 0

    table = format_copy_sites(sites, steps=3)
    assert "copies (aten::copy_) per step, 2 of them" in table
    assert table.count("\n| ") == 1 + len(sites)  # header row and one row per group


def test_copies_of_a_backward_pass_name_its_autograd_node() -> None:
    x = torch.randn(16, 16, requires_grad=True)
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True, with_stack=True,
                 experimental_config=stack_config()) as profiler:
        cast_copy(x).sum().backward()
    sites = copy_sites(profiler.events())

    backward = [s for s in sites if s.site.startswith("backward of ToCopyBackward")]
    assert len(backward) == 1 and backward[0].count == 1, [s.site for s in sites]
    assert "[16, 16]" in backward[0].shapes
    assert [s for s in sites if "cast_copy" in s.site and s.count == 1]  # the forward cast


def test_device_busy_counts_overlapping_work_once_and_leaves_host_events_out() -> None:
    def event(cat: str, ts: float, dur: float) -> dict:
        return {"ph": "X", "cat": cat, "name": "x", "ts": ts, "dur": dur}

    trace = {"traceEvents": [
        event("kernel", 100, 10),            # 100..110
        event("gpu_memcpy", 105, 10),        # overlaps: 100..115
        event("cpu_op", 0, 1000),            # host work: not the device's
        event("kernel", 130, 5),             # 130..135, after 15 idle
        event("gpu_memset", 150, 10),        # 150..160
        {"ph": "i", "cat": "kernel", "ts": 170},   # an instant, not a span
    ]}
    assert device_busy(trace) == (30.0, 60.0)
    assert device_busy({"traceEvents": []}) == (0.0, 0.0)
