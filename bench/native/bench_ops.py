"""Times SegMan.Edge's CUDA kernels against PyTorch, the official VMamba kernel and flex_attention.

Run by bench/native/run_gpu.sh on a GPU machine; prints one table per op with ratios measured side by side.
The kernels (ours, the previous version, the official one, flex_attention) are timed as replays of a CUDA graph
that calls them back to back over rotating input sets, enough sets that together they exceed twice the L2 cache,
so one call's inputs are not in the cache for the next: the time is the GPU's, not Python's launch overhead
(which on maps of a few MB is larger than the kernels). The PyTorch references are timed call by call.
Every timing is the median of CUDA-event-timed repetitions after warm-up.
"""
from __future__ import annotations

import argparse
import ctypes
import importlib.machinery
import importlib.util
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

DTYPES = {"fp32": torch.float32, "fp16": torch.float16}


# ---------------------------------------------------------------- timing and bandwidth
def median_ms(fn: Callable[[int], object], sets: int, reps: int = 30, warmup: int = 5) -> float:
    for i in range(warmup):
        fn(i % sets)
    torch.cuda.synchronize()
    times = []
    for i in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn(i % sets)
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    times.sort()
    return times[len(times) // 2]


def input_sets(bytes_per_set: int) -> int:
    """How many input sets to rotate over so that they do not fit in the L2 cache together."""
    l2 = torch.cuda.get_device_properties(0).L2_cache_size
    return max(3, min(48, math.ceil(2 * l2 / max(1, bytes_per_set))))


def graph_ms(fn: Callable[[int], object], sets: int, calls: int = 24, reps: int = 20) -> tuple[float, bool]:
    """Median time of one call, from replays of a CUDA graph holding `calls` calls over the rotating sets.

    Returns (ms, True), or (median_ms(...), False) where the calls cannot be captured in a graph.
    """
    calls = max(calls, sets)
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # warm-up off the default stream, as graph capture wants
        for i in range(sets):
            fn(i)
    torch.cuda.current_stream().wait_stream(side)
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    try:
        with torch.cuda.graph(graph):
            for i in range(calls):
                fn(i % sets)
    except Exception as error:  # noqa: BLE001 - reported, then timed call by call
        print(f"graph capture failed ({type(error).__name__}: {error}); timing call by call", flush=True)
        torch.cuda.synchronize()
        return median_ms(fn, sets), False
    graph.replay()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        graph.replay()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / calls)
    del graph
    times.sort()
    return times[len(times) // 2], True


def max_error(got: torch.Tensor, ref: torch.Tensor) -> float:
    """max |got - ref| / (1 + max |ref|), in fp32: the error every table reports."""
    got, ref = got.float(), ref.float()
    return ((got - ref).abs().max() / (1 + ref.abs().max())).item()


def time_variants(calls: dict[str, Callable[[int], object]], out: torch.Tensor, ours: torch.Tensor, ours_ms: float,
                  sets: int) -> str:
    """Other builds of our kernels (--also), each a call that writes `out` from input set i: its time on the same
    inputs, and its output on the first set against ours (`ours`), since every variant computes the same function."""
    parts = []
    for name, call in calls.items():
        ms, _ = graph_ms(call, sets)
        out.fill_(float("nan"))
        call(0)
        parts.append(f"{name} {ms * 1e3:.1f} µs ({ours_ms / ms:.2f}x, Δ {max_error(out, ours):.1e})")
    return "; ".join(parts)


def same_size_copy_ms(bytes_moved: int) -> float:
    """A device-to-device copy that reads and writes `bytes_moved` bytes in all, graph-timed over rotating sets as
    the kernels are: the least time any one launch moving those bytes takes, launch and drain included."""
    n = max(1, bytes_moved // 8)
    sets = input_sets(bytes_moved)
    src = [torch.randn(n, device="cuda") for _ in range(sets)]
    dst = torch.empty_like(src[0])
    ms, _ = graph_ms(lambda i: dst.copy_(src[i]), sets)
    return ms


def copy_bandwidth_gbs() -> float:
    """Device-to-device copy of 2 GiB: bytes read plus bytes written per second."""
    n = 1 << 29
    src = [torch.randn(n, device="cuda") for _ in range(2)]
    dst = torch.empty_like(src[0])
    ms = median_ms(lambda i: dst.copy_(src[i]), 2, reps=20)
    return 2 * n * 4 / ms / 1e6


# ---------------------------------------------------------------- our kernels through the C entry points
class Native:
    def __init__(self, path: str) -> None:
        lib = ctypes.CDLL(path)
        i64, ptr = ctypes.c_int64, ctypes.c_void_p
        lib.segman_selective_scan_2d_workspace.restype = ctypes.c_size_t
        lib.segman_selective_scan_2d_workspace.argtypes = [i64] * 5
        lib.segman_selective_scan_2d.restype = ctypes.c_int
        lib.segman_selective_scan_2d.argtypes = [ctypes.c_int] + [i64] * 5 + [ptr] * 7 + [ctypes.c_int] + [ptr] * 3
        lib.segman_neighborhood_attention_2d.restype = ctypes.c_int
        lib.segman_neighborhood_attention_2d.argtypes = [ctypes.c_int] + [i64] * 7 + [ptr] * 6
        self.lib = lib

    @staticmethod
    def _stream() -> int:
        return torch.cuda.current_stream().cuda_stream

    def scan_workspace(self, u: torch.Tensor, Bm: torch.Tensor) -> torch.Tensor:
        b, d, h, w = u.shape
        size = self.lib.segman_selective_scan_2d_workspace(b, d, h, w, Bm.shape[2])
        return torch.empty(size, dtype=torch.uint8, device="cuda")

    def scan(self, u, delta, Bm, Cm, A, D, bias, y, workspace) -> None:
        b, d, h, w = u.shape
        status = self.lib.segman_selective_scan_2d(
            1 if u.dtype == torch.float16 else 0, b, d, h, w, Bm.shape[2], u.data_ptr(), delta.data_ptr(),
            Bm.data_ptr(), Cm.data_ptr(), A.data_ptr(), D.data_ptr(), bias.data_ptr(), 1, y.data_ptr(),
            workspace.data_ptr(), self._stream())
        if status != 0:
            raise RuntimeError(f"segman_selective_scan_2d failed with {status}")

    def attention(self, q, k, v, rpb, out, kernel: int) -> None:
        b, heads, h, w, dim = q.shape
        status = self.lib.segman_neighborhood_attention_2d(
            1 if q.dtype == torch.float16 else 0, b, heads, h, w, dim, kernel, 1, q.data_ptr(), k.data_ptr(),
            v.data_ptr(), rpb.data_ptr() if rpb is not None else None, out.data_ptr(), self._stream())
        if status != 0:
            raise RuntimeError(f"segman_neighborhood_attention_2d failed with {status}")


# ---------------------------------------------------------------- selective scan
@dataclass(frozen=True)
class ScanShape:
    model: str
    where: str
    channels: int
    height: int
    width: int


def scan_shapes() -> list[ScanShape]:
    shapes = []
    for model, dims, decoder in (("SegMAN-T", (32, 64, 144), 384), ("SegMAN-B", (96, 160, 364), 540)):
        for h_in, w_in in ((512, 1024), (1024, 2048)):
            res = f"{h_in}x{w_in}"
            for stage, (dim, stride) in enumerate(zip(dims, (4, 8, 16)), start=1):
                shapes.append(ScanShape(model, f"{res} stage{stage}", dim, h_in // stride, w_in // stride))
            shapes.append(ScanShape(model, f"{res} decoder", decoder, h_in // 32, w_in // 32))
    # The agent's demo model (SegMAN-T's encoder, a 48-channel decoder) at its 320x640 input.
    for stage, (dim, stride) in enumerate(zip((32, 64, 144), (4, 8, 16)), start=1):
        shapes.append(ScanShape("demo T-slim4", f"320x640 stage{stage}", dim, 320 // stride, 640 // stride))
    shapes.append(ScanShape("demo T-slim4", "320x640 decoder", 3 * 48, 10, 20))
    return shapes


def to_scan(x: torch.Tensor, k: int) -> torch.Tensor:
    s = x.flatten(-2) if k % 2 == 0 else x.transpose(-1, -2).flatten(-2)
    return s.flip(-1) if k >= 2 else s


def from_scan(s: torch.Tensor, k: int, h: int, w: int) -> torch.Tensor:
    if k >= 2:
        s = s.flip(-1)
    return s.unflatten(-1, (h, w)) if k % 2 == 0 else s.unflatten(-1, (w, h)).transpose(-1, -2)


def scan_torch(u, delta, Bm, Cm, A, D, bias) -> torch.Tensor:
    """PyTorch reference: cross-scan, log-depth (Hillis-Steele) selective scan in fp32, cross-merge."""
    _, d, h, w = u.shape
    y = torch.zeros(u.shape, dtype=torch.float32, device=u.device)
    for k in range(4):
        rows = slice(k * d, (k + 1) * d)
        uk = to_scan(u.float(), k)                                            # (B, D, L)
        dt = to_scan(delta[:, k].float(), k) + bias[rows, None]
        dt = torch.where(dt <= 20, torch.log1p(torch.exp(dt)), dt)
        a = torch.exp(dt[:, :, None, :] * A[rows, :, None])                   # (B, D, N, L)
        b = dt[:, :, None, :] * to_scan(Bm[:, k].float(), k)[:, None] * uk[:, :, None, :]
        length, step = a.shape[-1], 1
        while step < length:
            b = torch.cat([b[..., :step], b[..., step:] + a[..., step:] * b[..., :-step]], -1)
            a = torch.cat([a[..., :step], a[..., step:] * a[..., :-step]], -1)
            step *= 2
        yk = (b * to_scan(Cm[:, k].float(), k)[:, None]).sum(2) + D[rows, None] * uk
        y += from_scan(yk, k, h, w)
    return y.to(u.dtype)


class Official:
    """VMamba's selective_scan_cuda_oflex forward with its Triton cross-scan and cross-merge (as SegMAN runs it)."""

    def __init__(self, root: Path, extension_dir: Path) -> None:
        # The official extension is built outside this repository from a fetched copy (nothing of it is committed);
        # the benchmark only loads the built module.
        built = sorted(extension_dir.glob("selective_scan_cuda_oflex*.so"))
        if not built:
            raise FileNotFoundError(f"no prebuilt selective_scan_cuda_oflex*.so in {extension_dir}")
        loader = importlib.machinery.ExtensionFileLoader("selective_scan_cuda_oflex", str(built[0]))
        ext_spec = importlib.util.spec_from_file_location("selective_scan_cuda_oflex", built[0], loader=loader)
        self.ext = importlib.util.module_from_spec(ext_spec)
        loader.exec_module(self.ext)
        spec = importlib.util.spec_from_file_location("csm_triton", root / "csm_triton.py")
        self.csm = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self.csm)

    @staticmethod
    def scan_layout(delta: torch.Tensor, Bm: torch.Tensor, Cm: torch.Tensor):
        """Our map-layout per-direction inputs in the official kernel's scan layout (done outside the timing)."""
        b, _, d, h, w = delta.shape
        n = Bm.shape[2]
        dts = torch.stack([to_scan(delta[:, k], k) for k in range(4)], 1).reshape(b, 4 * d, h * w).contiguous()
        Bs = torch.stack([to_scan(Bm[:, k], k) for k in range(4)], 1).reshape(b, 4, n, h * w).contiguous()
        Cs = torch.stack([to_scan(Cm[:, k], k) for k in range(4)], 1).reshape(b, 4, n, h * w).contiguous()
        return dts, Bs, Cs

    def run(self, u, dts, Bs, Cs, A, D, bias) -> torch.Tensor:
        b, d, h, w = u.shape
        xs = self.csm.cross_scan_fn(u)                                         # (B, 4, D, L)
        ys, _ = self.ext.fwd(xs.view(b, 4 * d, h * w), dts, A, Bs, Cs, D, bias, True, 1, True)
        return self.csm.cross_merge_fn(ys.view(b, 4, d, h, w))                 # (B, D, L), fp32


def scan_inputs(b: int, d: int, h: int, w: int, n: int, dtype: torch.dtype) -> tuple[torch.Tensor, ...]:
    """Random inputs of one scan call, (u, delta, B, C, A, D, delta_bias): Δ in [-4, 2) before the softplus, A < 0."""
    mk = lambda *shape: torch.randn(*shape, device="cuda").to(dtype)  # noqa: E731
    u, Bm, Cm = mk(b, d, h, w), mk(b, 4, n, h, w), mk(b, 4, n, h, w)
    delta = (torch.rand(b, 4, d, h, w, device="cuda") * 6 - 4).to(dtype)
    A = -torch.exp(torch.rand(4 * d, n, device="cuda") * 3 - 2)
    D, bias = torch.randn(4 * d, device="cuda"), torch.rand(4 * d, device="cuda") * 2 - 1
    return u, delta, Bm, Cm, A, D, bias


def bench_scan(native: Native, official: Official | None, dtype_name: str, shapes: list[ScanShape],
               copy_gbs: float, torch_limit: int, baseline: Native | None = None,
               also: dict[str, Native] | None = None) -> list[str]:
    """torch_limit: the largest D*H*W the PyTorch reference runs on (0: never; its column and error read nan)."""
    dtype, rows = DTYPES[dtype_name], []
    for s in shapes:
        b, d, h, w, n = 1, s.channels, s.height, s.width, 1
        elem = torch.finfo(dtype).bits // 8
        bytes_moved = (b * d * h * w * (1 + 4 + 1) + b * 8 * n * h * w) * elem
        sets = input_sets(bytes_moved)
        data = [scan_inputs(b, d, h, w, n, dtype) for _ in range(sets)]
        y = torch.empty(b, d, h, w, dtype=dtype, device="cuda")
        ws = native.scan_workspace(data[0][0], data[0][2])
        ours_ms, graphed = graph_ms(lambda i: native.scan(*data[i], y, ws), sets)
        before_ms = math.nan
        if baseline is not None:
            base_ws = baseline.scan_workspace(data[0][0], data[0][2])
            before_ms, _ = graph_ms(lambda i: baseline.scan(*data[i], y, base_ws), sets)
        native.scan(*data[0], y, ws)
        ours_y = y.float().clone()  # our output on the first set, for every comparison below
        calls = {}
        for name, lib in (also or {}).items():
            lib_ws = lib.scan_workspace(data[0][0], data[0][2])
            calls[name] = lambda i, lib=lib, lib_ws=lib_ws: lib.scan(*data[i], y, lib_ws)
        variants = time_variants(calls, y, ours_y, ours_ms, sets)
        gbs = bytes_moved / ours_ms / 1e6
        copy_ms = same_size_copy_ms(bytes_moved)
        ref = scan_torch(*data[0]).float() if h * w * d <= torch_limit else None
        torch_ms = median_ms(lambda i: scan_torch(*data[i]), min(sets, 3), reps=5, warmup=1) if ref is not None else math.nan
        err = max_error(ours_y, ref) if ref is not None else math.nan
        off_ms, off_err = math.nan, math.nan
        if official is not None:
            layouts = [Official.scan_layout(dl, Bm, Cm) for (_, dl, Bm, Cm, _, _, _) in data]
            run = lambda i: official.run(data[i][0], *layouts[i], data[i][4], data[i][5], data[i][6])  # noqa: E731
            try:
                off_ms, _ = graph_ms(run, sets)
                off = run(0).view(b, d, h, w)
                off_err = max_error(ours_y, off)
            except Exception as error:  # reported as nan in the table
                print(f"the official kernel failed on {s.model} {s.where}: {error}", flush=True)
        rows.append(f"| {s.model} | {s.where} | {d}x{h}x{w} | {dtype_name} | {ours_ms * 1e3:.1f}{'' if graphed else '*'} | "
                    f"{torch_ms / ours_ms:.1f}x | {off_ms / ours_ms:.2f}x | {before_ms / ours_ms:.2f}x | {gbs:.0f} | {gbs / copy_gbs:.0%} | "
                    f"{copy_ms / ours_ms:.0%} | {err:.1e} / {off_err:.1e} |")
        print(rows[-1], flush=True)
        if variants:
            print(f"  variants on {s.model} {s.where} {dtype_name}: {variants}", flush=True)
        del data
        torch.cuda.empty_cache()
    return rows


# ---------------------------------------------------------------- neighborhood attention
@dataclass(frozen=True)
class AttentionShape:
    model: str
    where: str
    heads: int
    dim: int
    kernel: int
    height: int
    width: int


def attention_shapes() -> list[AttentionShape]:
    shapes = []
    table = (("SegMAN-T", ((1, 32, 11), (2, 32, 9), (4, 36, 9), (8, 24, 7))),
             ("SegMAN-B", ((4, 24, 11), (8, 20, 9), (13, 28, 7), (20, 28, 7))))
    for model, stages in table:
        for h_in, w_in in ((512, 1024), (1024, 2048)):
            for stage, ((heads, dim, kernel), stride) in enumerate(zip(stages, (4, 8, 16, 32)), start=1):
                shapes.append(AttentionShape(model, f"{h_in}x{w_in} stage{stage}", heads, dim, kernel,
                                             h_in // stride, w_in // stride))
    return shapes


def window_starts(size: int, kernel: int, device: str = "cuda") -> torch.Tensor:
    return (torch.arange(size, device=device) - kernel // 2).clamp(0, size - kernel)


def attention_gather(q, k, v, rpb, kernel: int) -> torch.Tensor:
    """Gather reference: materialises every query's K x K keys and values (fp32 softmax)."""
    _, heads, h, w, _ = q.shape
    si, sj = window_starts(h, kernel), window_starts(w, kernel)
    ar = torch.arange(kernel, device=q.device)
    ri, rj = si[:, None] + ar, sj[:, None] + ar                               # (H, K), (W, K)
    kk = k[:, :, ri[:, None, :, None], rj[None, :, None, :]]                  # (B, h, H, W, K, K, d)
    vv = v[:, :, ri[:, None, :, None], rj[None, :, None, :]]
    logits = torch.einsum("bhijc,bhijxyc->bhijxy", q.float(), kk.float())
    bi = ri - torch.arange(h, device=q.device)[:, None] + kernel - 1
    bj = rj - torch.arange(w, device=q.device)[:, None] + kernel - 1
    logits = logits + rpb.float()[:, bi[:, None, :, None], bj[None, :, None, :]][None]
    a = torch.softmax(logits.flatten(-2), -1).unflatten(-1, (kernel, kernel))
    return torch.einsum("bhijxy,bhijxyc->bhijc", a, vv.float()).to(q.dtype)


class Flex:
    """flex_attention with a neighborhood block mask and the relative position bias as a score_mod."""

    def __init__(self) -> None:
        from torch.nn.attention.flex_attention import create_block_mask, flex_attention

        torch._dynamo.config.cache_size_limit = 64
        self.create_block_mask = create_block_mask
        self.flex = torch.compile(flex_attention, dynamic=False)

    def prepare(self, q, rpb, kernel: int):
        """One block mask and score_mod per shape; returns a function of (q, k, v)."""
        b, heads, h, w, dim = q.shape
        length = h * w
        padded = max(16, 1 << (dim - 1).bit_length())  # flex wants a power-of-two head size; zeros change nothing
        pad = lambda x: torch.nn.functional.pad(x.reshape(b, heads, length, dim), (0, padded - dim))  # noqa: E731
        si, sj, K = window_starts(h, kernel), window_starts(w, kernel), kernel

        def mask_mod(bb, hh, q_idx, kv_idx):
            qi, qj, ki, kj = q_idx // w, q_idx % w, kv_idx // w, kv_idx % w
            return (ki >= si[qi]) & (ki < si[qi] + K) & (kj >= sj[qj]) & (kj < sj[qj] + K)

        def score_mod(score, bb, hh, q_idx, kv_idx):
            qi, qj, ki, kj = q_idx // w, q_idx % w, kv_idx // w, kv_idx % w
            return score + rpb[hh, ki - qi + K - 1, kj - qj + K - 1]

        mask = self.create_block_mask(mask_mod, None, None, length, length, device="cuda", _compile=True)
        return lambda qq, kk, vv: self.flex(pad(qq), pad(kk), pad(vv), score_mod=score_mod, block_mask=mask, scale=1.0)


def bench_attention(native: Native, flex: Flex | None, dtype_name: str, shapes: list[AttentionShape],
                    copy_gbs: float, flex_names: set[str], deadline: float, baseline: Native | None = None,
                    also: dict[str, Native] | None = None) -> list[str]:
    dtype, rows = DTYPES[dtype_name], []
    for s in shapes:
        b = 1
        shape = (b, s.heads, s.height, s.width, s.dim)
        elem = torch.finfo(dtype).bits // 8
        bytes_moved = 4 * math.prod(shape) * elem
        sets = input_sets(bytes_moved)
        data = [(torch.randn(shape, device="cuda").mul(0.2).to(dtype), torch.randn(shape, device="cuda").to(dtype),
                 torch.randn(shape, device="cuda").to(dtype),
                 torch.randn(s.heads, 2 * s.kernel - 1, 2 * s.kernel - 1, device="cuda").to(dtype))
                for _ in range(sets)]
        out = torch.empty(shape, dtype=dtype, device="cuda")
        ours_ms, graphed = graph_ms(lambda i: native.attention(*data[i], out, s.kernel), sets)
        before_ms = math.nan
        if baseline is not None:
            before_ms, _ = graph_ms(lambda i: baseline.attention(*data[i], out, s.kernel), sets)
        gbs = bytes_moved / ours_ms / 1e6
        copy_ms = same_size_copy_ms(bytes_moved)
        native.attention(*data[0], out, s.kernel)
        ours_out = out.float().clone()
        calls = {name: (lambda i, lib=lib: lib.attention(*data[i], out, s.kernel)) for name, lib in (also or {}).items()}
        variants = time_variants(calls, out, ours_out, ours_ms, sets)
        out.copy_(ours_out)
        try:
            ref = attention_gather(*data[0], s.kernel)
            gather_ms = median_ms(lambda i: attention_gather(*data[i], s.kernel), min(sets, 3), reps=10, warmup=2)
            err = max_error(out, ref)
            del ref
        except torch.OutOfMemoryError:
            gather_ms, err = math.nan, math.nan
        torch.cuda.empty_cache()
        flex_ms, flex_err = math.nan, math.nan
        key = f"{s.model} {s.where}"
        if flex is not None and key in flex_names and time.monotonic() < deadline:
            try:
                run = flex.prepare(data[0][0], data[0][3], s.kernel)
                flex_ms, _ = graph_ms(lambda i: run(*data[i][:3]), sets)
                got = run(*data[0][:3])[..., :s.dim].reshape(shape)
                flex_err = max_error(out, got)
                del run
            except Exception as error:  # reported as n/a in the table
                print(f"flex_attention failed on {key}: {error}", flush=True)
        rows.append(f"| {s.model} | {s.where} | {s.heads}x{s.height}x{s.width}x{s.dim} K{s.kernel} | {dtype_name} | "
                    f"{ours_ms * 1e3:.1f}{'' if graphed else '*'} | {gather_ms / ours_ms:.1f}x | {flex_ms / ours_ms:.2f}x | {before_ms / ours_ms:.2f}x | {gbs:.0f} | "
                    f"{gbs / copy_gbs:.0%} | {copy_ms / ours_ms:.0%} | {err:.1e} / {flex_err:.1e} |")
        print(rows[-1], flush=True)
        if variants:
            print(f"  variants on {s.model} {s.where} {dtype_name}: {variants}", flush=True)
        del data
        torch.cuda.empty_cache()
    return rows


def scan_tables(native: Native, official: Official | None, baseline: Native | None, copy_gbs: float,
                also: dict[str, Native], torch_limit: int = 1 << 26,
                dtypes: tuple[str, ...] = ("fp32", "fp16")) -> list[str]:
    lines = ["", "### SelectiveScan2D (B=1, N=1; official = VMamba selective_scan_cuda_oflex fwd + Triton CrossScan/CrossMerge)",
             "", "| model | map | DxHxW | dtype | ours µs | vs PyTorch | vs official | vs before | GB/s | of copy BW | of a same-size copy | max err vs torch / official |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    shapes = scan_shapes()
    if "fp32" in dtypes:
        lines += bench_scan(native, official, "fp32", shapes, copy_gbs, torch_limit, baseline=baseline, also=also)
    if "fp16" in dtypes:
        fp16 = [s for s in shapes if "1024x2048" in s.where or s.model.startswith("demo")]
        lines += bench_scan(native, official, "fp16", fp16, copy_gbs, torch_limit, baseline=baseline, also=also)
    return lines


def attention_tables(native: Native, baseline: Native | None, copy_gbs: float, flex_seconds: float,
                     flex_maps: str = "stage1", also: dict[str, Native] | None = None,
                     dtypes: tuple[str, ...] = ("fp16", "fp32")) -> list[str]:
    flex = None
    try:
        flex = Flex()
    except Exception as error:
        print(f"flex_attention not available: {error}", flush=True)
    lines = ["", "### NeighborhoodAttention2D (B=1, with rpb; gather = PyTorch gather reference)", "",
             "| model | map | heads x H x W x dim, K | dtype | ours µs | vs gather | vs flex | vs before | GB/s | of copy BW | of a same-size copy | max err vs gather / flex |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    att = attention_shapes()
    # flex_attention compiles once per map (20-60 s each), so by default only the four stage-1 maps.
    flex_names = {f"{s.model} {s.where}" for s in att if flex_maps == "all" or s.where.endswith("stage1")}
    deadline = time.monotonic() + flex_seconds
    if "fp16" in dtypes:
        lines += bench_attention(native, flex, "fp16", att, copy_gbs, flex_names, deadline, baseline, also)
    if "fp32" in dtypes:
        lines += bench_attention(native, None, "fp32", att, copy_gbs, set(), deadline, baseline, also)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lib", required=True, help="libsegman_cuda_capi.so")
    parser.add_argument("--vmamba", help="fetched VMamba checkout (kernels/selective_scan and csm_triton.py)")
    parser.add_argument("--official-ext", default="/tmp/vmamba_ext", help="folder holding the prebuilt official extension")
    parser.add_argument("--out", help="write the tables here (markdown)")
    parser.add_argument("--baseline-lib", help="an earlier libsegman_cuda_capi.so, timed on the same inputs")
    parser.add_argument("--also", action="append", default=[], metavar="NAME=LIB",
                        help="another build of our kernels to time on the same inputs (printed, not tabled)")
    parser.add_argument("--ops", choices=("all", "scan", "attention"), default="all", help="which op to time")
    parser.add_argument("--dtypes", default="fp32,fp16", help="comma-separated types to time (fp32, fp16)")
    parser.add_argument("--skip-torch", action="store_true",
                        help="leave out the PyTorch scan reference (its timing and error columns read nan)")
    parser.add_argument("--flex-seconds", type=float, default=150.0, help="time allowed for flex_attention runs")
    parser.add_argument("--flex-maps", choices=("stage1", "all"), default="stage1",
                        help="maps flex_attention is timed on (each compiles on its own)")
    args = parser.parse_args()
    dtypes = tuple(t for t in args.dtypes.split(",") if t)
    unknown = [t for t in dtypes if t not in DTYPES]
    if unknown:
        parser.error(f"unknown type(s) {', '.join(unknown)}; choose from {', '.join(DTYPES)}")

    torch.backends.cuda.matmul.allow_tf32 = False
    props = torch.cuda.get_device_properties(0)
    print(f"device: {props.name}, {props.multi_processor_count} SMs, torch {torch.__version__}", flush=True)
    native = Native(args.lib)
    baseline = Native(args.baseline_lib) if args.baseline_lib else None
    copy_gbs = copy_bandwidth_gbs()
    print(f"copy bandwidth (read + write): {copy_gbs:.0f} GB/s", flush=True)

    official = None
    if args.vmamba:
        try:
            official = Official(Path(args.vmamba), Path(args.official_ext))
        except Exception as error:  # reported in the table as n/a
            print(f"official VMamba kernel not available: {error}", flush=True)

    also = {}
    for name, path in (item.split("=", 1) for item in args.also):
        try:
            also[name] = Native(path)
        except OSError as error:
            print(f"{name} not timed: {error}", flush=True)
    lines = [f"copy bandwidth (read + write): {copy_gbs:.0f} GB/s"]
    if args.ops != "attention":
        lines += scan_tables(native, official, baseline, copy_gbs, also, 0 if args.skip_torch else 1 << 26, dtypes)
    if args.ops != "scan":
        lines += attention_tables(native, baseline, copy_gbs, args.flex_seconds, args.flex_maps, also, dtypes)
    text = "\n".join(lines)
    print("\n" + text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
