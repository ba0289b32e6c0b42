"""Bicycles and motorcycles, parked or ridden (the rider is labelled "rider")."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..canvas import Canvas
from ..classes import Cls
from ..dice import Dice
from ..frame import UP, Frame
from ..placement import Placement
from .base import Prop
from .people import Outfit, draw_figure, riding_pose

BLACK = np.array([25, 25, 28])


@dataclass
class TwoWheeler(Prop):
    place: Placement  # between the wheels on the ground; local forward is the riding direction
    motor: bool
    paint: np.ndarray
    rider: Outfit | None
    rider_height: float
    phase: float

    @property
    def radius(self) -> float:
        return 1.5

    def shadow(self, canvas: Canvas, t: float) -> None:
        frame = self.place.frame(t)
        pts = frame.to_world(np.array([[-0.9, -0.3, 0.02], [0.9, -0.3, 0.02], [0.9, 0.3, 0.02],
                                       [-0.9, 0.3, 0.02]]))
        canvas.shadow(pts, 0.35 * canvas.light.sun_strength)

    def draw(self, canvas: Canvas, t: float) -> None:
        frame = self.place.frame(t)
        wheelbase = 0.72 if self.motor else 0.52
        parts = [
            (np.array([-wheelbase, 0, 0.4]), lambda: self._wheel(canvas, frame, -wheelbase)),
            (np.array([wheelbase, 0, 0.4]), lambda: self._wheel(canvas, frame, wheelbase)),
            (np.array([0.0, 0, 0.5]), lambda: self._body(canvas, frame)),
        ]
        if self.rider is not None:
            parts.append((np.array([-0.1, 0, 1.0]), lambda: self._rider(canvas, frame, t)))
        bias = [0.0, 0.0, 0.05, -0.15]  # frame a little behind, rider a little in front
        depths = [canvas.depth(frame.to_world(p)) + bias[i] for i, (p, _) in enumerate(parts)]
        for i in np.argsort(depths)[::-1]:
            parts[i][1]()

    def _label(self) -> int:
        return Cls.MOTORCYCLE if self.motor else Cls.BICYCLE

    def _wheel(self, canvas: Canvas, frame: Frame, f: float) -> None:
        radius = 0.31 if self.motor else 0.34
        centre = frame.to_world(np.array([f, 0, radius]))
        tyre = 0.09 if self.motor else 0.035
        size = canvas.pixels(radius, canvas.depth(centre))
        segments = 8 if size < 4 else (12 if size < 12 else 18)
        canvas.ring(centre, frame.forward, UP, radius - tyre / 2, tyre, BLACK, self._label(), segments)
        if self.motor:
            canvas.disc(centre, frame.forward, UP, radius * 0.45, np.array([120, 120, 125]),
                        self._label(), segments=10, normal=frame.right)

    def _body(self, canvas: Canvas, frame: Frame) -> None:
        label = self._label()
        if self.motor:
            canvas.box(frame, -0.35, 0.35, -0.2, 0.2, 0.28, 0.68, np.array([60, 60, 65]), label)
            canvas.box(frame, -0.75, 0.4, -0.15, 0.15, 0.68, 0.92, self.paint, label, taper=(0.1, 0.15, 0.03))
            fork_top, fork_bottom = frame.to_world(np.array([[0.5, 0, 1.0], [0.72, 0, 0.31]]))
            canvas.line(fork_top, fork_bottom, 0.035, np.array([150, 150, 150]), label)
            a, b = frame.to_world(np.array([[0.5, -0.35, 1.02], [0.5, 0.35, 1.02]]))
            canvas.line(a, b, 0.02, BLACK, label)
            canvas.disc(frame.to_world(np.array([0.62, 0, 0.95])), frame.right, UP, 0.09,
                        (210, 235, 240), label, segments=10, normal=frame.forward)
            canvas.line(*frame.to_world(np.array([[-0.72, 0, 0.35], [-0.2, 0, 0.45]])), 0.03,
                        np.array([150, 150, 150]), label)
            return
        hub_r, hub_f = np.array([-0.52, 0, 0.34]), np.array([0.52, 0, 0.34])
        bracket, seat, head = np.array([0.0, 0, 0.3]), np.array([-0.12, 0, 0.85]), np.array([0.42, 0, 0.88])
        tubes = [(hub_r, bracket), (hub_r, seat), (bracket, seat), (bracket, head), (seat, head),
                 (head, hub_f)]
        segs = frame.to_world(np.array([[a, b] for a, b in tubes]))
        canvas.rods(segs, 0.018, self.paint, label)
        bar = frame.to_world(np.array([[[0.38, -0.26, 1.0], [0.38, 0.26, 1.0]],
                                       [[0.42, 0, 0.88], [0.38, 0, 1.0]],
                                       [[-0.2, 0, 0.9], [-0.02, 0, 0.9]]]))
        canvas.rods(bar, 0.02, BLACK, label)

    def _rider(self, canvas: Canvas, frame: Frame, t: float) -> None:
        phase = self.phase + self.place.distance(t) / 0.35
        if self.motor:
            pose = riding_pose(self.rider_height, 0.88, (0.72, 1.02), phase, motor=True)
            rider_frame = frame.moved(forward=-0.25)
        else:
            pose = riding_pose(self.rider_height, 0.9, (0.5, 1.0), phase, motor=False)
            rider_frame = frame.moved(forward=-0.12)
        draw_figure(canvas, rider_frame, self.rider_height, pose, self.rider, Cls.RIDER)


def random_two_wheeler(rng: Dice, place: Placement, motor: bool,
                       rider: Outfit | None) -> TwoWheeler:
    paint = np.array(rng.choice([[30, 30, 30], [40, 40, 190], [190, 120, 40], [200, 200, 200],
                                 [40, 160, 60], [30, 180, 230]]), float)
    return TwoWheeler(place, motor, paint, rider, float(np.clip(rng.normal(1.75, 0.08), 1.55, 1.95)),
                      float(rng.uniform(0, 2 * math.pi)))
