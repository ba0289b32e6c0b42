"""A local right-handed frame on the ground: forward, right and up axes at a world origin."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

UP = np.array([0.0, 1.0, 0.0])


@dataclass(frozen=True)
class Frame:
    x: float
    z: float
    heading: float  # radians from +Z towards +X
    elevation: float = 0.0

    @cached_property
    def forward(self) -> np.ndarray:
        return np.array([math.sin(self.heading), 0.0, math.cos(self.heading)])

    @cached_property
    def right(self) -> np.ndarray:
        return np.array([math.cos(self.heading), 0.0, -math.sin(self.heading)])

    @cached_property
    def origin(self) -> np.ndarray:
        return np.array([self.x, self.elevation, self.z])

    @cached_property
    def face_normals(self) -> np.ndarray:
        """Outward normals of an untapered box's back, front, left, right and top faces."""
        f, r = self.forward, self.right
        return np.stack([-f, f, -r, r, UP])

    @cached_property
    def _basis(self) -> np.ndarray:
        return np.stack([self.forward, self.right, UP])

    def rotate(self, local: np.ndarray) -> np.ndarray:
        """Local directions (..., 3) to world directions."""
        return local @ self._basis

    def to_world(self, local: np.ndarray) -> np.ndarray:
        """Local points (..., 3) as (forward, right, up) metres to world points."""
        return np.asarray(local, dtype=np.float64) @ self._basis + self.origin

    def moved(self, forward: float = 0.0, right: float = 0.0, turn: float = 0.0) -> "Frame":
        o = self.origin + forward * self.forward + right * self.right
        return Frame(float(o[0]), float(o[2]), self.heading + turn, self.elevation)
