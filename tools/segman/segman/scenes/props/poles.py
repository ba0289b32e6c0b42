"""Street furniture on poles: lamps, traffic lights and traffic signs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..canvas import Canvas, circle_points, on_face
from ..classes import Cls
from ..dice import Dice
from ..frame import UP, Frame
from ..placement import Placement
from .base import Prop

POLE_GREY = np.array([105, 110, 112])


@dataclass
class StreetLamp(Prop):
    place: Placement  # foot of the pole; local forward is along the road
    height: float
    arm: float  # reach over the road, towards local -right (negative: towards +right)
    colour: np.ndarray

    @property
    def radius(self) -> float:
        return self.height

    def draw(self, canvas: Canvas, t: float) -> None:
        frame = self.place.frame(t)
        foot, top = frame.to_world(np.array([[0, 0, 0], [0, 0, self.height]]))
        canvas.line(foot, top, 0.09, self.colour, Cls.POLE, normal=-frame.right)
        tip = frame.to_world(np.array([0, -self.arm, self.height + 0.3]))
        canvas.line(top, tip, 0.05, self.colour, Cls.POLE)
        canvas.box(frame.moved(right=-self.arm), -0.25, 0.25, -0.45, 0.45, self.height + 0.05,
                   self.height + 0.3, self.colour * 0.8, Cls.POLE)


@dataclass
class TrafficLight(Prop):
    """A signal head on a pole, optionally hung from a mast arm over the lanes."""
    place: Placement  # foot of the pole; local forward faces the traffic it controls (-road)
    pole_height: float
    mast: float  # mast arm length towards local +right (0: head on the pole itself)
    state: int  # 0 red, 1 amber, 2 green
    colour: np.ndarray
    pedestrian_head: bool

    @property
    def radius(self) -> float:
        return max(self.pole_height, self.mast) + 1

    def draw(self, canvas: Canvas, t: float) -> None:
        frame = self.place.frame(t)
        foot, top = frame.to_world(np.array([[0, 0, 0], [0, 0, self.pole_height]]))
        canvas.line(foot, top, 0.08, self.colour, Cls.POLE)
        if self.mast > 0:
            end = frame.to_world(np.array([0, self.mast, self.pole_height - 0.2]))
            canvas.line(frame.to_world(np.array([0, 0, self.pole_height - 0.2])), end, 0.06,
                        self.colour, Cls.POLE)
            self._head(canvas, frame.moved(right=self.mast * 0.75), self.pole_height - 1.35)
        else:
            self._head(canvas, frame.moved(forward=0.15), self.pole_height - 1.1)
        if self.pedestrian_head:
            self._head(canvas, frame.moved(forward=0.12, turn=math.pi / 2), 2.0, lamps=2)

    def _head(self, canvas: Canvas, frame: Frame, bottom: float, lamps: int = 3) -> None:
        height = 0.33 * lamps
        faces = canvas.box(frame, -0.12, 0.12, -0.17, 0.17, bottom, bottom + height,
                           np.array([35, 38, 40]), Cls.TRAFFIC_LIGHT)
        front = faces.get("front")
        if front is None:
            return
        lit_colours = {0: (40, 40, 255), 1: (30, 190, 255), 2: (140, 255, 60)}
        state = self.state if lamps == 3 else (0 if self.state != 0 else 2)
        depth = canvas.mean_depth(front)
        for i in range(lamps):
            lamp_state = (lamps - 1 - i) if lamps == 3 else (0 if i == 1 else 2)
            lit = lamp_state == state
            colour = lit_colours[lamp_state] if lit else (45, 50, 50)
            centre = on_face(front, 0.5, 0.5, (i + 0.5) / lamps, (i + 0.5) / lamps)[0]
            pts = circle_points(centre, frame.right, UP, 0.1, 12)
            # a lit lamp glows: its colour is not shaded by the scene's light
            canvas.fill(pts, colour if lit else canvas.colour(colour, None, depth), Cls.TRAFFIC_LIGHT)


SIGN_SHAPES = ("round", "triangle", "square", "octagon", "rectangle", "diamond")


@dataclass
class TrafficSign(Prop):
    place: Placement  # foot of the post; local forward faces the traffic that reads it
    height: float  # centre of the plate
    size: float
    shape: str
    face: np.ndarray  # plate colour (BGR)
    border: np.ndarray
    symbol: np.ndarray
    colour: np.ndarray  # post

    @property
    def radius(self) -> float:
        return self.height + self.size

    def draw(self, canvas: Canvas, t: float) -> None:
        frame = self.place.frame(t)
        foot, top = frame.to_world(np.array([[0, 0, 0], [0, 0, self.height]]))
        canvas.line(foot, top, 0.035, self.colour, Cls.POLE)
        centre = frame.to_world(np.array([0.05, 0, self.height]))
        right, normal = -frame.right, frame.forward  # seen from in front, +right is on the left
        outline = _plate_outline(self.shape, self.size)
        pts = centre + outline[:, :1] * right + outline[:, 1:] * UP
        if not canvas.facing(pts, normal):
            canvas.face(pts, -normal, np.array([150, 150, 150]), Cls.TRAFFIC_SIGN, cull=False)
            return
        canvas.face(pts, normal, self.border, Cls.TRAFFIC_SIGN, cull=False)
        inner = centre + 0.78 * (outline[:, :1] * right + outline[:, 1:] * UP)
        canvas.face(inner, normal, self.face, Cls.TRAFFIC_SIGN, cull=False)
        if self.shape in ("round", "square", "rectangle"):
            glyph = centre + np.array([[-0.2, -0.2], [0.2, -0.2], [0.2, 0.2], [-0.2, 0.2]])[:, :1] * \
                self.size * right + np.array([[-0.1], [-0.1], [0.25], [0.25]]) * self.size * UP
            canvas.face(glyph, normal, self.symbol, Cls.TRAFFIC_SIGN, cull=False)


def _plate_outline(shape: str, size: float) -> np.ndarray:
    """Plate corners (N,2) as (across, up) metres around its centre."""
    half = size / 2
    if shape == "round":
        a = np.linspace(0, 2 * math.pi, 18, endpoint=False)
        return np.stack([np.cos(a), np.sin(a)], 1) * half
    if shape == "triangle":
        return np.array([[-1.0, -0.58], [1.0, -0.58], [0.0, 1.15]]) * half
    if shape == "octagon":
        a = np.linspace(0, 2 * math.pi, 8, endpoint=False) + math.pi / 8
        return np.stack([np.cos(a), np.sin(a)], 1) * half
    if shape == "diamond":
        return np.array([[0.0, -1.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]]) * half
    if shape == "rectangle":
        return np.array([[-1.6, -0.6], [1.6, -0.6], [1.6, 0.6], [-1.6, 0.6]]) * half
    return np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]]) * half


def random_sign_look(rng: Dice) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    """(shape, face, border, symbol) colours, BGR, after common European signs."""
    shape = str(rng.choice(SIGN_SHAPES, p=[0.35, 0.2, 0.2, 0.05, 0.12, 0.08]))
    white, red, blue, yellow, black = (np.array(c, float) for c in
                                       ((235, 235, 235), (40, 30, 200), (170, 80, 20),
                                        (30, 200, 235), (30, 30, 30)))
    if shape == "round":
        return shape, *( (white, red, black) if rng.random() < 0.6 else (blue, white, white))
    if shape == "triangle":
        return shape, white, red, black
    if shape == "octagon":
        return shape, red, white, white
    if shape == "diamond":
        return shape, yellow, white, yellow
    if shape == "rectangle":
        green = np.array([60, 120, 20], float)
        return shape, *((green, white, white) if rng.random() < 0.5 else (blue, white, white))
    return shape, blue, white, white
