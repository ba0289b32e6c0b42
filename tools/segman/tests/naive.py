"""Float64 loop oracles written straight from OPS.md, for checking the vectorised references."""

from __future__ import annotations

import math
from typing import Optional

import numpy as np


def scan_position(direction: int, t: int, height: int, width: int) -> tuple[int, int]:
    length = height * width
    if direction >= 2:
        t = length - 1 - t
    if direction % 2 == 0:
        return t // width, t % width
    return t % height, t // height


def selective_scan_2d_naive(u, delta, B, C, A, D, delta_bias, delta_softplus: bool = True) -> np.ndarray:
    u, delta, B, C, A, D, delta_bias = (np.asarray(t, dtype=np.float64) for t in (u, delta, B, C, A, D, delta_bias))
    batch, channels, height, width = u.shape
    state = A.shape[1]
    y = np.zeros_like(u)
    for b in range(batch):
        for k in range(4):
            for d in range(channels):
                c = k * channels + d
                h = np.zeros(state)
                for t in range(height * width):
                    i, j = scan_position(k, t, height, width)
                    dt = delta[b, k, d, i, j] + delta_bias[c]
                    if delta_softplus and dt <= 20.0:
                        dt = math.log1p(math.exp(dt))
                    h = np.exp(dt * A[c]) * h + dt * B[b, k, :, i, j] * u[b, d, i, j]
                    y[b, d, i, j] += float(np.dot(C[b, k, :, i, j], h)) + D[c] * u[b, d, i, j]
    return y


def _start(i: int, length: int, kernel: int, dilation: int) -> int:
    r = kernel // 2
    if dilation == 1:
        return min(max(i - r, 0), length - kernel)
    if i - r * dilation < 0:
        return i % dilation
    if i + r * dilation >= length:
        a = (length // dilation) * dilation
        b = length - a
        return length - b + i % dilation - 2 * r * dilation if i % dilation < b else a + i % dilation - kernel * dilation
    return i - r * dilation


def neighborhood_attention_2d_naive(q, k, v, kernel: int, dilation: int = 1,
                                    rpb: Optional[np.ndarray] = None) -> np.ndarray:
    q, k, v = (np.asarray(t, dtype=np.float64) for t in (q, k, v))
    batch, heads, height, width, dim = q.shape
    out = np.zeros_like(q)
    for b in range(batch):
        for n in range(heads):
            for i in range(height):
                si = _start(i, height, kernel, dilation)
                for j in range(width):
                    sj = _start(j, width, kernel, dilation)
                    logits = np.empty((kernel, kernel))
                    for mi in range(kernel):
                        for mj in range(kernel):
                            ki, kj = si + mi * dilation, sj + mj * dilation
                            logits[mi, mj] = np.dot(q[b, n, i, j], k[b, n, ki, kj])
                            if rpb is not None:
                                logits[mi, mj] += rpb[n, (ki - i) // dilation + kernel - 1,
                                                      (kj - j) // dilation + kernel - 1]
                    weights = np.exp(logits - logits.max())
                    weights /= weights.sum()
                    for mi in range(kernel):
                        for mj in range(kernel):
                            out[b, n, i, j] += weights[mi, mj] * v[b, n, si + mi * dilation, sj + mj * dilation]
    return out
