"""Pinhole dash-cam: world (X right, Y up, Z forward) to pixels, and pixel rays to the ground."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

NEAR = 0.15  # metres; geometry closer than this is clipped away


@dataclass(frozen=True)
class Camera:
    x: float
    height: float
    z: float
    yaw: float  # radians, positive turns towards +X
    pitch: float  # radians, positive looks down
    roll: float  # radians
    focal: float  # pixels
    width: int
    height_px: int

    @staticmethod
    def from_hfov(x: float, height: float, z: float, yaw: float, pitch: float, roll: float,
                  hfov_deg: float, width: int, height_px: int) -> "Camera":
        focal = 0.5 * width / math.tan(math.radians(hfov_deg) / 2)
        return Camera(x, height, z, yaw, pitch, roll, focal, width, height_px)

    @property
    def centre(self) -> np.ndarray:
        return np.array([self.x, self.height, self.z], dtype=np.float64)

    @cached_property
    def rotation(self) -> np.ndarray:
        """Rows are the camera axes (x right, y down, z forward) expressed in world coordinates."""
        cy, sy = math.cos(self.yaw), math.sin(self.yaw)
        cp, sp = math.cos(self.pitch), math.sin(self.pitch)
        forward = np.array([sy * cp, -sp, cy * cp])
        right = np.array([cy, 0.0, -sy])
        down = np.cross(right, forward)
        cr, sr = math.cos(self.roll), math.sin(self.roll)
        right, down = cr * right + sr * down, -sr * right + cr * down
        return np.stack([right, down, forward])

    @property
    def cx(self) -> float:
        return self.width / 2

    @property
    def cy(self) -> float:
        return self.height_px / 2
