"""Trees and hedges."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..canvas import Canvas
from ..classes import Cls
from ..dice import Dice
from ..placement import Placement
from .base import Prop


@dataclass
class Tree(Prop):
    place: Placement  # foot of the trunk
    trunk_height: float
    crown_radius: float
    leaf: np.ndarray  # BGR
    bark: np.ndarray
    lumps: np.ndarray  # (K,4): local offsets (forward, right, up) and radius factor of crown blobs

    @property
    def radius(self) -> float:
        return self.trunk_height + 2 * self.crown_radius

    def shadow(self, canvas: Canvas, t: float) -> None:
        frame = self.place.frame(t)
        r = self.crown_radius
        canvas.shadow(frame.to_world(np.array([[-r, -r, 0.02], [r, -r, 0.02], [r, r, 0.02],
                                               [-r, r, 0.02]])), 0.25 * canvas.light.sun_strength)

    def draw(self, canvas: Canvas, t: float) -> None:
        frame = self.place.frame(t)
        top = self.trunk_height + self.crown_radius * 0.6
        foot, crown = frame.to_world(np.array([[0, 0, 0], [0, 0, top]]))
        canvas.line(foot, crown, 0.05 + 0.03 * self.crown_radius, self.bark, Cls.VEGETATION)
        centre = np.array([0.0, 0.0, self.trunk_height + self.crown_radius])
        crown_px = canvas.pixels(self.crown_radius, canvas.depth(frame.origin))
        if crown_px < 6:  # a few pixels across: one round crown
            canvas.blob(frame.to_world(centre), self.crown_radius, self.leaf * 0.85, Cls.VEGETATION)
            return
        count = 4 if crown_px < 15 else len(self.lumps)
        # draw far blobs first, shadowed ones darker, so the crown reads as a lit volume
        lumps = frame.to_world(centre + self.lumps[:count, :3] * self.crown_radius)
        order = np.argsort([-canvas.depth(p) for p in lumps])
        for i in order:
            lift = self.lumps[i, 2]
            shade = 0.75 + 0.25 * lift + 0.1 * self.lumps[i, 1]
            canvas.blob(lumps[i], self.crown_radius * self.lumps[i, 3], self.leaf * shade,
                        Cls.VEGETATION, squash=0.9)


def random_tree(rng: Dice, place: Placement, scale: float = 1.0) -> Tree:
    k = int(rng.integers(5, 10))
    lumps = np.column_stack([rng.uniform(-0.55, 0.55, k), rng.uniform(-0.55, 0.55, k),
                             rng.uniform(-0.5, 0.55, k), rng.uniform(0.45, 0.75, k)])
    leaf = rng.uniform([25, 75, 40], [70, 135, 105])
    if rng.random() < 0.15:  # autumn or dry foliage
        leaf = rng.uniform([30, 90, 110], [60, 140, 170])
    return Tree(place, float(rng.uniform(1.8, 3.5) * scale), float(rng.uniform(1.5, 3.2) * scale),
                leaf, rng.uniform([30, 45, 55], [60, 75, 90]), lumps)


@dataclass
class Hedge(Prop):
    place: Placement  # middle of its base line
    length: float
    height: float
    width: float
    leaf: np.ndarray

    @property
    def radius(self) -> float:
        return self.length / 2 + 1

    def draw(self, canvas: Canvas, t: float) -> None:
        frame = self.place.frame(t)
        half, w = self.length / 2, self.width / 2
        canvas.box(frame, -half, half, -w, w, 0.0, self.height * 0.85, self.leaf, Cls.VEGETATION,
                   top=self.leaf * 1.1)
        bumps = np.arange(-half + w, half - w + 1e-6, max(w, 0.4))
        pts = frame.to_world(np.stack([bumps, np.zeros_like(bumps), np.full_like(bumps, self.height * 0.85)], 1))
        for p in sorted(pts, key=lambda q: -canvas.depth(q)):
            canvas.blob(p, w * 1.05, self.leaf * 1.05, Cls.VEGETATION, squash=0.6)
