"""Buildings: boxes with facades of windows, shop fronts and cornices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..canvas import Canvas, on_face, on_face_many
from ..classes import Cls
from ..dice import Dice
from ..placement import Placement
from .base import BACKGROUND, Prop

FACADES = ("plaster", "brick", "glass", "concrete", "industrial")


@dataclass
class FacadeStyle:
    kind: str
    wall: np.ndarray  # BGR
    glass: np.ndarray
    trim: np.ndarray
    floor_height: float
    window_pitch: float  # metres between window centres
    window_fill: tuple[float, float]  # window width and height as fractions of pitch / floor
    shop_front: bool
    roof: np.ndarray


def random_facade(rng: Dice) -> FacadeStyle:
    kind = str(rng.choice(FACADES, p=[0.35, 0.2, 0.15, 0.2, 0.1]))
    if kind == "plaster":
        wall = rng.uniform([120, 150, 170], [215, 230, 245])
    elif kind == "brick":
        wall = rng.uniform([40, 55, 110], [85, 95, 160])
    elif kind == "glass":
        wall = rng.uniform([110, 100, 80], [170, 160, 140])
    elif kind == "concrete":
        g = rng.uniform(110, 190)
        wall = np.array([g, g, g]) + rng.uniform(-8, 8, 3)
    else:
        wall = rng.uniform([90, 100, 100], [160, 165, 170])
    glass = rng.uniform([60, 45, 30], [120, 100, 80])
    fill = (rng.uniform(0.35, 0.6), rng.uniform(0.4, 0.65)) if kind != "glass" else (0.92, 0.8)
    return FacadeStyle(kind, wall, glass, wall * rng.uniform(0.65, 1.2), float(rng.uniform(2.9, 3.6)),
                       float(rng.uniform(1.8, 3.2)), fill, bool(rng.random() < 0.5),
                       rng.uniform([50, 50, 50], [110, 100, 100]))


@dataclass
class Building(Prop):
    place: Placement  # frame origin: middle of the street-side facade at ground level
    length: float  # along the road
    depth: float  # away from the road
    height: float
    style: FacadeStyle
    facing_left: bool  # True for buildings on the right of the road (facade faces -right)
    layer: int = BACKGROUND

    @property
    def radius(self) -> float:
        return 0.5 * float(np.hypot(self.length, self.depth)) + self.height * 0.2

    def centre(self) -> tuple[float, float, float]:
        return (0.0, self.depth / 2 if self.facing_left else -self.depth / 2, 0.0)

    def draw(self, canvas: Canvas, t: float) -> None:
        frame = self.place.frame(t)
        half = self.length / 2
        r0, r1 = (0.0, self.depth) if self.facing_left else (-self.depth, 0.0)
        faces = canvas.box(frame, -half, half, r0, r1, 0.0, self.height, self.style.wall,
                           Cls.BUILDING, top=self.style.roof)
        for name, corners in faces.items():
            if name == "top":
                continue
            width = self.length if name in ("left", "right") else self.depth
            normal = {"back": -frame.forward, "front": frame.forward,
                      "left": -frame.right, "right": frame.right}[name]
            street_side = name == ("left" if self.facing_left else "right")
            self._facade(canvas, corners, normal, width, street_side)

    def _facade(self, canvas: Canvas, corners: np.ndarray, normal: np.ndarray, width: float,
                street_side: bool) -> None:
        style = self.style
        depth = canvas.mean_depth(corners)
        pixels_per_metre = canvas.camera.focal / max(depth, 1.0)
        if pixels_per_metre * style.floor_height < 7:
            return  # too far away for windows to show
        floors = max(1, int(self.height / style.floor_height))
        columns = max(1, int(width / style.window_pitch))
        glass = canvas.colour(style.glass * 0.6 + canvas.light.sky_horizon * 0.25, None, depth)
        trim = canvas.colour(style.trim, normal, depth)
        a_step, b_step = 1.0 / columns, style.floor_height / self.height
        wa, wb = style.window_fill
        first = 1 if (street_side and style.shop_front) else 0
        cols = np.arange(columns) * a_step
        (u0, _, z0), (u1, _, z1) = canvas.point(corners[0]), canvas.point(corners[1])
        column_px = abs(u1 - u0) / columns if z0 > 0 and z1 > 0 else 100.0
        if first:
            shop = canvas.colour(style.glass * 0.5 + 30, None, depth)
            canvas.fill_many(on_face_many(corners, cols + a_step * 0.08, cols + a_step * 0.92,
                                          np.full(columns, b_step * 0.1), np.full(columns, b_step * 0.8)),
                             shop, Cls.BUILDING)
        rows = np.arange(first, floors) * b_step
        bands = rows + b_step * (1 - wb) * 0.55
        if style.kind == "glass" or column_px < 6:  # glazing bands (or windows too small to part)
            fill = 0.98 if style.kind == "glass" else wa
            canvas.fill_many(on_face_many(corners, np.full(len(rows), 0.01), np.full(len(rows), 0.99),
                                          bands, bands + b_step * wb * (1 if style.kind == "glass" else 0.8)),
                             glass if style.kind == "glass" else _mix(glass, trim, fill), Cls.BUILDING)
        else:
            canvas.fill_many(on_face_many(corners, np.zeros(len(rows)), np.ones(len(rows)),
                                          rows, rows + b_step * 0.06), trim, Cls.BUILDING)
            a = (cols + a_step * (1 - wa) / 2)[None, :].repeat(len(rows), 0).ravel()
            b = bands[:, None].repeat(columns, 1).ravel()
            canvas.fill_many(on_face_many(corners, a, a + a_step * wa, b, b + b_step * wb),
                             glass, Cls.BUILDING)
        canvas.fill(on_face(corners, 0.0, 1.0, 1 - 0.35 / self.height, 1.0), trim, Cls.BUILDING)


def _mix(a: tuple, b: tuple, weight: float) -> tuple[float, float, float]:
    """Colour of a window row seen from afar: glass and wall blended by the glazed share."""
    return (weight * a[0] + (1 - weight) * b[0], weight * a[1] + (1 - weight) * b[1],
            weight * a[2] + (1 - weight) * b[2])
