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

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """World points (N,3) to camera coordinates (N,3)."""
        return (points - self.centre) @ self.rotation.T

    def to_pixels(self, cam_points: np.ndarray) -> np.ndarray:
        """Camera points (N,3) with z > 0 to pixel coordinates (N,2)."""
        z = cam_points[:, 2:3]
        return cam_points[:, :2] * (self.focal / z) + (self.cx, self.cy)

    def depth(self, point: np.ndarray) -> float:
        return float((point - self.centre) @ self.rotation[2])

    @cached_property
    def pixel_rays(self) -> np.ndarray:
        """World-space ray direction (H,W,3) through each pixel centre, scaled so camera z = 1."""
        u = (np.arange(self.width, dtype=np.float32) + 0.5 - self.cx) / self.focal
        v = (np.arange(self.height_px, dtype=np.float32) + 0.5 - self.cy) / self.focal
        rot = self.rotation.astype(np.float32)
        return (u[None, :, None] * rot[0] + v[:, None, None] * rot[1] + rot[2])
