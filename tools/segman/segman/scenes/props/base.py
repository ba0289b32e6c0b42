"""What every scene object provides to the renderer."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from ..canvas import Canvas
from ..frame import Frame
from ..placement import Placement

BACKGROUND = 0  # drawn first (buildings: they stand behind everything else on the street)
STREET = 1


class Prop(ABC):
    place: Placement
    layer: int = STREET

    @property
    @abstractmethod
    def radius(self) -> float:
        """Bounding radius around the anchor, in metres (for culling)."""

    def centre(self) -> tuple[float, float, float]:
        """Local point (forward, right, up) whose depth orders this prop among the others."""
        return (0.0, 0.0, 0.0)

    def shadow(self, canvas: Canvas, t: float) -> None:
        """Darken the ground beneath (image only); drawn before any prop."""

    @abstractmethod
    def draw(self, canvas: Canvas, t: float) -> None:
        ...


def ground_shadow(canvas: Canvas, frame: Frame, f0: float, f1: float, r0: float, r1: float,
                  strength: float) -> None:
    """A soft-edged dark rectangle on the ground, pushed away from the sun."""
    sun = canvas.light.sun
    reach = min(3.0, 1.0 / max(sun[1], 0.3))
    shift = -np.array([sun[0], 0.0, sun[2]]) * reach * 0.3
    corners = frame.to_world(np.array([[f0, r0, 0.02], [f1, r0, 0.02], [f1, r1, 0.02], [f0, r1, 0.02]]))
    strength *= canvas.light.sun_strength / 0.6 * 0.7 + 0.3
    canvas.shadow(corners + shift * 0.5, min(strength, 0.8) * 0.6)
    canvas.shadow(corners, min(strength, 0.8) * 0.5)
