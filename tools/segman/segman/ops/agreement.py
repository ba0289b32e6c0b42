"""How far an implementation of the two ops is from the references, forward and backward, on fresh random inputs:
the checks that the training-time forms (`tiled_na.py`, `fused.py`, `flex_na.py`) pass before a model trains on them."""

from __future__ import annotations

import argparse
from typing import Callable, Optional, Tuple

import torch

from .neighborhood_attention import neighborhood_attention_2d
from .selective_scan import selective_scan_2d


def relative_error(got: torch.Tensor, want: torch.Tensor) -> float:
    """||got - want|| / ||want|| in float64."""
    return float((got.double() - want.double()).norm() / want.double().norm().clamp_min(1e-30))


def _compare(reference: Callable[..., torch.Tensor], candidate: Callable[..., torch.Tensor],
             inputs: Tuple[torch.Tensor, ...], upstream: torch.Tensor,
             call: Callable[[Callable[..., torch.Tensor]], torch.Tensor]) -> Tuple[float, float]:
    results = []
    for function in (reference, candidate):
        out = call(function)
        results.append((out.detach(), torch.autograd.grad(out, inputs, upstream)))
    (want, want_grads), (got, got_grads) = results
    return relative_error(got, want), max(relative_error(g, w) for g, w in zip(got_grads, want_grads))


def attention_agreement(candidate: Callable[..., torch.Tensor], batch: int, heads: int, height: int, width: int,
                        dim: int, kernel: int, dilation: int, device: torch.device,
                        seed: int = 0) -> Tuple[float, float]:
    """Relative error of the output and the worst of the q, k, v and RPB gradients against the gather reference."""
    generator = torch.Generator().manual_seed(seed)

    def leaf(*shape: int, scale: float = 1.0) -> torch.Tensor:
        return (scale * torch.randn(*shape, generator=generator)).to(device).requires_grad_()

    q, k, v = (leaf(batch, heads, height, width, dim) for _ in range(3))
    rpb = leaf(heads, 2 * kernel - 1, 2 * kernel - 1, scale=0.5)
    upstream = torch.randn(batch, heads, height, width, dim, generator=generator).to(device)
    return _compare(neighborhood_attention_2d, candidate, (q, k, v, rpb), upstream,
                    lambda function: function(q * dim ** -0.5, k, v, kernel, dilation, rpb))


def scan_agreement(candidate: Callable[..., torch.Tensor], batch: int, channels: int, height: int, width: int,
                   device: torch.device, seed: int = 0) -> Tuple[float, float]:
    """Relative error of the output and the worst input gradient against the chunked reference scan."""
    generator = torch.Generator().manual_seed(seed)

    def leaf(*shape: int, scale: float = 1.0, shift: float = 0.0) -> torch.Tensor:
        return (scale * torch.randn(*shape, generator=generator) + shift).to(device).requires_grad_()

    inputs = (leaf(batch, channels, height, width), leaf(batch, 4, channels, height, width, scale=0.5),
              leaf(batch, 4, 1, height, width), leaf(batch, 4, 1, height, width),
              leaf(4 * channels, 1, scale=0.3, shift=-1.0), leaf(4 * channels),
              leaf(4 * channels, scale=0.5, shift=-2.0))
    upstream = torch.randn(batch, channels, height, width, generator=generator).to(device)
    return _compare(selective_scan_2d, candidate, inputs, upstream, lambda function: function(*inputs))


# The shapes every training form of the attention is checked on: SegMAN T's four stages at 256x512, a dilated window
# and an odd map with a wider dilation.
ATTENTION_CHECK_SHAPES = [(2, 1, 64, 128, 32, 11, 1), (2, 2, 32, 64, 32, 9, 1), (2, 4, 16, 32, 36, 9, 1),
                          (2, 8, 8, 16, 24, 7, 1), (1, 2, 23, 37, 16, 5, 2), (1, 1, 13, 19, 8, 3, 3)]


def print_attention_checks(check: Callable[..., Tuple[float, float]], device: torch.device, label: str = "") -> float:
    """Prints one markdown row per ATTENTION_CHECK_SHAPES entry, `| label(B, heads, H, W, d, K, dilation) | out rel
    err | grad rel err |`, from `check(*shape, device=device)`; returns the worst error."""
    worst = 0.0
    for shape in ATTENTION_CHECK_SHAPES:
        out_error, grad_error = check(*shape, device=device)
        worst = max(worst, out_error, grad_error)
        print(f"| {label}{shape} | {out_error:.1e} | {grad_error:.1e} |", flush=True)
    return worst


def parse_check_arguments(prog: str, description: str, argv: Optional[list]) -> Tuple[argparse.Namespace, torch.device]:
    """The command line of a check (`--tolerance`, `--device`); TF32 is turned off so CUDA checks compare fp32."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--tolerance", type=float, default=1e-4, help="largest relative (L2) error accepted")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
    return args, device
