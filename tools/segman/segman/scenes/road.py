"""The road: a curved centre line, its cross-section, and side-road intersections.

Positions along the road are (s, d): arc length s and signed lateral offset d (right positive).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .frame import Frame

STEP = 0.5  # metres between centre-line samples


@dataclass(frozen=True)
class Side:
    """One side of the cross-section, from the road edge outwards."""
    lanes: int
    parking: float  # width of a parking strip inside the road edge (0 = none)
    curb: float
    verge: float  # grass between curb and sidewalk (0 = none)
    sidewalk: float
    setback_terrain: bool  # ground behind the sidewalk: grass (True) or paving (False)

    def road_edge(self, lane_width: float) -> float:
        return self.lanes * lane_width + self.parking

    def sidewalk_start(self, lane_width: float) -> float:
        return self.road_edge(lane_width) + self.curb + self.verge

    def frontage(self, lane_width: float) -> float:
        """Lateral distance from the centre line to the outer edge of the sidewalk."""
        return self.sidewalk_start(lane_width) + self.sidewalk


@dataclass(frozen=True)
class Intersection:
    s: float  # where the side road begins (near edge)
    width: float  # side road width along s
    crosswalk: bool


@dataclass
class Road:
    lane_width: float
    right: Side
    left: Side
    tram: bool
    curvature: list[tuple[float, float, float]]  # (s_start, s_end, kappa 1/m), left turn < 0
    intersections: list[Intersection] = field(default_factory=list)
    s_min: float = -80.0
    s_max: float = 700.0

    def __post_init__(self) -> None:
        s = np.arange(self.s_min, self.s_max + STEP, STEP)
        kappa = np.zeros_like(s)
        for s0, s1, k in self.curvature:
            ramp = np.clip((s - s0) / 10.0, 0, 1) * np.clip((s1 - s) / 10.0, 0, 1)
            kappa += k * ramp  # ease in and out over 10 m
        heading = np.cumsum(kappa) * STEP
        heading -= np.interp(0.0, s, heading)
        x = np.cumsum(np.sin(heading)) * STEP
        z = np.cumsum(np.cos(heading)) * STEP
        x -= np.interp(0.0, s, x)
        z -= np.interp(0.0, s, z)
        self._s, self._x, self._z, self._heading = s, x, z, heading

    # ---- centre line ------------------------------------------------------------------------
    def frame(self, s: float, d: float = 0.0, turn: float = 0.0) -> Frame:
        """Local frame at (s, d), facing along the road (plus `turn`)."""
        hd = float(np.interp(s, self._s, self._heading))
        x = float(np.interp(s, self._s, self._x)) + d * math.cos(hd)
        z = float(np.interp(s, self._s, self._z)) - d * math.sin(hd)
        return Frame(x, z, hd + turn)

    def frames(self, s: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Vectorised `frame`: world x, z and road heading at many (s, d)."""
        hd = np.interp(s, self._s, self._heading)
        x = np.interp(s, self._s, self._x) + d * np.cos(hd)
        z = np.interp(s, self._s, self._z) - d * np.sin(hd)
        return x, z, hd

    def heading(self, s: float) -> float:
        return float(np.interp(s, self._s, self._heading))

    def to_road(self, x: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World ground points to (s, d): start from the sample at the same Z (the road never
        turns by 90 degrees, so Z grows with s), then one Newton step onto the centre line."""
        s = np.interp(z, self._z, self._s)
        hd = np.interp(s, self._s, self._heading)
        dx = x - np.interp(s, self._s, self._x)
        s = s + dx * np.sin(hd)  # at the same Z, dz = 0
        hd = np.interp(s, self._s, self._heading)
        dx = x - np.interp(s, self._s, self._x)
        dz = z - np.interp(s, self._s, self._z)
        d = dx * np.cos(hd) - dz * np.sin(hd)
        return s, d

    # ---- cross-section ------------------------------------------------------------------------
    def side(self, d: float) -> Side:
        return self.right if d >= 0 else self.left

    def edge(self, right: bool) -> float:
        side = self.right if right else self.left
        return side.road_edge(self.lane_width)

    def lane_centre(self, lane: int) -> float:
        """Lateral offset of lane `lane`: 0, 1, ... on the right, -1, -2, ... on the left."""
        return (lane + 0.5) * self.lane_width

