"""Seeded random draws for scene layout, cheap for the thousands of scalars one street needs.

numpy's Generator costs microseconds per scalar call; here uniform numbers are drawn from it in
blocks and handed out as Python floats. The methods mirror the Generator's (uniform, random,
integers, choice, normal, poisson) for the forms this package uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

BLOCK = 2048


class Dice:
    def __init__(self, seed: int):
        self._source = np.random.default_rng(seed)
        self._block: list[float] = []
        self._next = 0

    def random(self) -> float:
        if self._next == len(self._block):
            self._block = self._source.random(BLOCK).tolist()
            self._next = 0
        value = self._block[self._next]
        self._next += 1
        return value

    def uniform(self, low: Any = 0.0, high: Any = 1.0, size: int | None = None) -> Any:
        """A float for scalar bounds; an array for array bounds or a size."""
        if size is None and isinstance(low, (int, float)) and isinstance(high, (int, float)):
            return low + (high - low) * self.random()
        low, high = np.asarray(low, float), np.asarray(high, float)
        shape = np.broadcast_shapes(low.shape, high.shape) if size is None else (size,)
        count = 1
        for n in shape:
            count *= n
        return low + (high - low) * np.array([self.random() for _ in range(count)]).reshape(shape)

    def integers(self, low: int, high: int | None = None) -> int:
        """An int in [low, high), or in [0, low) when high is omitted."""
        if high is None:
            low, high = 0, low
        return min(int(low + (high - low) * self.random()), high - 1)

    def choice(self, options: Sequence[Any] | np.ndarray, p: Sequence[float] | None = None) -> Any:
        if p is None:
            return options[self.integers(len(options))]
        u, total = self.random(), 0.0
        for option, weight in zip(options, p):
            total += weight
            if u < total:
                return option
        return options[len(options) - 1]

    def normal(self, loc: float = 0.0, scale: float = 1.0) -> float:
        u1 = max(self.random(), 1e-12)
        return loc + scale * math.sqrt(-2.0 * math.log(u1)) * math.cos(2 * math.pi * self.random())

    def poisson(self, lam: float) -> int:
        limit, k, product = math.exp(-lam), 0, self.random()
        while product > limit:
            k += 1
            product *= self.random()
        return k
