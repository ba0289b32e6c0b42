"""Walls and fences running along the road."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..canvas import Canvas, on_face_many
from ..classes import Cls
from ..frame import Frame
from ..placement import Placement
from .base import Prop


@dataclass
class Wall(Prop):
    place: Placement  # middle of the wall's base line
    length: float
    height: float
    thickness: float
    colour: np.ndarray
    joint_spacing: float  # metres between vertical joints (panels, pillars)
    brick: bool

    @property
    def radius(self) -> float:
        return self.length / 2 + 1

    def draw(self, canvas: Canvas, t: float) -> None:
        frame = self.place.frame(t)
        half, th = self.length / 2, self.thickness / 2
        faces = canvas.box(frame, -half, half, -th, th, 0.0, self.height, self.colour, Cls.WALL,
                           top=self.colour * 1.15)
        for name in ("left", "right"):
            if name not in faces:
                continue
            corners = faces[name]
            depth = canvas.mean_depth(corners)
            normal = frame.right if name == "right" else -frame.right
            dark = canvas.colour(self.colour * 0.7, normal, depth)
            n = max(1, int(self.length / self.joint_spacing))
            a = np.arange(1, n) / n
            canvas.fill_many(on_face_many(corners, a - 0.004, a + 0.004, np.zeros(n - 1),
                                          np.ones(n - 1)), dark, Cls.WALL)
            if self.brick and canvas.camera.focal / max(depth, 1) * 0.25 > 2:
                rows = int(self.height / 0.25)
                b = np.arange(1, rows) / rows
                canvas.fill_many(on_face_many(corners, np.zeros(rows - 1), np.ones(rows - 1),
                                              b - 0.01, b + 0.01), dark, Cls.WALL)


@dataclass
class Fence(Prop):
    place: Placement  # middle of the fence's base line
    length: float
    height: float
    colour: np.ndarray
    kind: str  # "picket" (bars with gaps), "mesh" (wire panel), "wood" (boards)
    post_spacing: float

    @property
    def radius(self) -> float:
        return self.length / 2 + 1

    def draw(self, canvas: Canvas, t: float) -> None:
        frame = self.place.frame(t)
        half = self.length / 2
        posts = np.arange(-half, half + 1e-6, self.post_spacing)
        if self.kind == "mesh":
            panel = frame.to_world(np.array([[-half, 0, 0.05], [half, 0, 0.05],
                                             [half, 0, self.height], [-half, 0, self.height]]))
            depth = canvas.mean_depth(panel)
            canvas.overlay(panel, canvas.colour(self.colour, None, depth), 0.35, Cls.FENCE)
            wires = np.arange(0.25, self.height, 0.25)
            canvas.rods(_segments(frame, [(-half, h, half, h) for h in wires]), 0.006,
                        self.colour * 0.8, Cls.FENCE)
        elif self.kind == "wood":
            boards = np.arange(-half, half, 0.16)
            quads = frame.to_world(np.stack([
                np.stack([boards, np.zeros_like(boards), np.zeros_like(boards)], 1),
                np.stack([boards + 0.13, np.zeros_like(boards), np.zeros_like(boards)], 1),
                np.stack([boards + 0.13, np.zeros_like(boards), np.full_like(boards, self.height)], 1),
                np.stack([boards, np.zeros_like(boards), np.full_like(boards, self.height * 0.97)], 1),
            ], axis=1))
            depth = canvas.depth(frame.origin)
            normal = -frame.right if canvas.facing(quads[0], -frame.right) else frame.right
            canvas.fill_many(quads, canvas.colour(self.colour, normal, depth), Cls.FENCE)
        else:
            bars = np.arange(-half, half, 0.13)
            canvas.rods(_segments(frame, [(f, 0.0, f, self.height) for f in bars]), 0.015,
                        self.colour, Cls.FENCE)
        rails = [(-half, h, half, h) for h in (0.15, self.height - 0.08)]
        canvas.rods(_segments(frame, rails), 0.025, self.colour * 0.9, Cls.FENCE)
        canvas.rods(_segments(frame, [(f, 0.0, f, self.height + 0.05) for f in posts]), 0.04,
                    self.colour * 0.75, Cls.FENCE)


def _segments(frame: Frame, ends: list[tuple[float, float, float, float]]) -> np.ndarray:
    """(forward, up) end pairs in the fence plane to world segments (N,2,3)."""
    e = np.asarray(ends, dtype=np.float64).reshape(-1, 4)
    local = np.stack([np.stack([e[:, 0], np.zeros(len(e)), e[:, 1]], 1),
                      np.stack([e[:, 2], np.zeros(len(e)), e[:, 3]], 1)], axis=1)
    return frame.to_world(local)
