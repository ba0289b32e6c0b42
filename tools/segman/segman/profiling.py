"""Where a profiled training step spends its copies: `aten::copy_` grouped by input shapes and Python call site.

A step's copies are layout changes and dtype casts that no layer asked for by name; the op table says how much time
they take, not which line made them. This groups them by the shapes copied and the innermost frames of the
project's own code, so the costliest ones can be found and removed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

COPY_OPS = ("aten::copy_",)
# Frames of these files say nothing about the caller.
_NOISE = ("torch/", "torch\\", "<built-in", "contextlib.py", "threading.py")


@dataclass(frozen=True)
class CopySite:
    """One (shapes, call site) group of copies."""

    device_us: float
    host_us: float
    count: int
    shapes: str
    site: str


def stack_config() -> Optional[object]:
    """The profiler config that keeps every op's Python stack: `verbose`, on by default in PyTorch 1.13 and off in
    PyTorch 2, where `with_stack` alone leaves the ops' stacks empty. None where the config is unknown."""
    try:
        from torch._C._profiler import _ExperimentalConfig
        return _ExperimentalConfig(verbose=True)
    except (ImportError, TypeError):
        return None


def _own_frames(stack: Sequence[str], frames: int) -> str:
    own = [frame for frame in stack if not any(noise in frame for noise in _NOISE)]
    return " < ".join(own[:frames])


def _device_us(event: object) -> float:
    # PyTorch 2 names it self_device_time_total; 1.13 self_cuda_time_total.
    return float(getattr(event, "self_device_time_total", None) or getattr(event, "self_cuda_time_total", 0.0) or 0.0)


def _origin(event: object, frames: int) -> Tuple[str, str]:
    """(call site, ops): the autograd node that ran the copy in a backward pass (whose Python frames, where it has
    any, are those of the `backward()` call), else the project's frames of the nearest op up the parent chain that
    has a Python stack; and the ops that led to the copy (`aten::to > aten::_to_copy`)."""
    ops: List[str] = []
    site, node = "", ""
    current = event
    while current is not None:
        if not site:
            site = _own_frames(list(getattr(current, "stack", None) or []), frames)
        name = str(getattr(current, "name", ""))
        if name.startswith("autograd::engine::evaluate_function: "):
            node = name.split(": ", 1)[1]
        if current is not event and len(ops) < 2 and not node:
            ops.insert(0, name)
        current = getattr(current, "cpu_parent", None)
    return f"backward of {node}" if node else site or "(no Python frame)", " > ".join(ops)


def copy_sites(events: Iterable[object], frames: int = 2) -> List[CopySite]:
    """The copies of `profiler.events()` (profiled with record_shapes and with_stack) grouped by the shapes copied
    and the call site, costliest first; each group names the ops that led to most of its copies (the profiler
    rebuilds parents from timestamps, so a copy too short to time may lose them)."""
    groups: Dict[Tuple[str, str], List[float]] = {}
    chains: Dict[Tuple[str, str], Counter] = {}
    for event in events:
        if getattr(event, "name", None) not in COPY_OPS:
            continue
        shapes = ", ".join(str(shape) for shape in (getattr(event, "input_shapes", None) or [])[:2])
        site, ops = _origin(event, frames)
        group = groups.setdefault((shapes, site), [0.0, 0.0, 0])
        group[0] += _device_us(event)
        group[1] += float(event.self_cpu_time_total)
        group[2] += 1
        chains.setdefault((shapes, site), Counter())[ops] += 1
    sites = []
    for (shapes, site), (device, host, count) in groups.items():
        ops = chains[(shapes, site)].most_common(1)[0][0]
        sites.append(CopySite(device, host, int(count), shapes, f"{site} ({ops})" if ops else site))
    return sorted(sites, key=lambda s: (s.device_us, s.host_us), reverse=True)


def format_copy_sites(sites: Sequence[CopySite], steps: int, limit: int = 20) -> str:
    """A table of the costliest groups, per step."""
    # Shares of device time where there is any (CUDA), else of host time (a CPU run).
    on_device = any(s.device_us > 0 for s in sites)
    total = sum(s.device_us if on_device else s.host_us for s in sites) or 1.0
    lines = [f"copies (aten::copy_) per step, {sum(s.count for s in sites) / max(1, steps):.0f} of them:",
             "| device ms | share | host ms | count | shapes (dst, src) | call site |",
             "|---:|---:|---:|---:|---|---|"]
    for s in sites[:limit]:
        share = 100 * (s.device_us if on_device else s.host_us) / total
        lines.append(f"| {s.device_us / 1000 / steps:.3f} | {share:.1f} % "
                     f"| {s.host_us / 1000 / steps:.3f} | {s.count / steps:.0f} | {s.shapes} | {s.site} |")
    return "\n".join(lines)


DEVICE_CATEGORIES = ("kernel", "gpu_memcpy", "gpu_memset")


def device_busy(trace: Dict[str, object]) -> Tuple[float, float]:
    """(busy, span) in microseconds of a Chrome trace that `torch.profiler` exported: the time at least one kernel,
    copy or memset ran on the device (overlaps counted once, streams together), and the time from the first such
    event's start to the last one's end. Their ratio is how much of the profiled steps the GPU worked."""
    intervals = sorted((float(event["ts"]), float(event["ts"]) + float(event.get("dur", 0.0)))
                       for event in trace.get("traceEvents", [])  # type: ignore[union-attr]
                       if isinstance(event, dict) and event.get("ph") == "X" and event.get("cat") in DEVICE_CATEGORIES)
    if not intervals:
        return 0.0, 0.0
    busy, start, end = 0.0, intervals[0][0], intervals[0][1]
    for begin, finish in intervals[1:]:
        if begin > end:
            busy += end - start
            start, end = begin, finish
        else:
            end = max(end, finish)
    busy += end - start
    # Merged runs are disjoint and in order, so the last one ends last.
    return busy, end - intervals[0][0]
