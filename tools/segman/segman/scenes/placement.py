"""Where a prop stands at time t: a point on the road (s, d) moving at constant speed."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .frame import Frame
from .road import Road


@dataclass
class Placement:
    road: Road
    s: float
    d: float
    turn: float = 0.0  # heading relative to the road (pi: facing back along it)
    speed_s: float = 0.0  # metres per second along the road
    speed_d: float = 0.0  # metres per second across it
    _static: Frame | None = field(default=None, init=False, repr=False)

    def frame(self, t: float) -> Frame:
        if self.speed_s == 0.0 and self.speed_d == 0.0:
            if self._static is None:
                self._static = self.road.frame(self.s, self.d, self.turn)
            return self._static
        return self.road.frame(self.s + self.speed_s * t, self.d + self.speed_d * t, self.turn)

    def distance(self, t: float) -> float:
        """Metres travelled by time t (drives walking and wheel animation)."""
        return math.hypot(self.speed_s, self.speed_d) * t
