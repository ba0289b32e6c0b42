"""People: a jointed figure of rods, a box torso and a round head, walking or riding."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..canvas import Canvas
from ..classes import Cls
from ..dice import Dice
from ..frame import Frame
from ..placement import Placement
from .base import Prop

SKIN_TONES = np.array([[190, 205, 235], [150, 175, 215], [110, 140, 190], [70, 100, 150],
                       [50, 70, 110]], float)


@dataclass
class Outfit:
    skin: np.ndarray
    hair: np.ndarray
    top: np.ndarray
    legs: np.ndarray
    shoes: np.ndarray
    coat: bool  # a long coat or dress hides the thighs
    helmet: np.ndarray | None = None


def random_outfit(rng: Dice, helmet: bool = False) -> Outfit:
    clothes = np.array([[30, 30, 30], [60, 60, 60], [200, 200, 200], [130, 80, 40], [40, 40, 150],
                        [50, 110, 60], [150, 150, 150], [40, 130, 200], [90, 50, 120], [110, 90, 60],
                        [170, 120, 90], [60, 60, 130]], float)

    def pick() -> np.ndarray:
        return clothes[rng.integers(len(clothes))] * rng.uniform(0.8, 1.15)

    hair = np.array(rng.choice([[20, 25, 30], [30, 50, 80], [60, 110, 150], [160, 170, 180]]), float)
    return Outfit(SKIN_TONES[rng.integers(len(SKIN_TONES))] * rng.uniform(0.9, 1.05), hair, pick(), pick(),
                  np.array([30, 30, 35]) * rng.uniform(0.7, 2.0), bool(rng.random() < 0.25),
                  pick() if helmet else None)


@dataclass
class Pose:
    """Joint positions in the figure's frame (forward, right, up), metres."""
    hip: float  # hip height
    shoulder: float
    lean: float  # forward offset of the shoulders over the hips
    feet: tuple[np.ndarray, np.ndarray]  # left, right foot (f, r, u)
    knees: tuple[np.ndarray, np.ndarray]
    hands: tuple[np.ndarray, np.ndarray]


def walking_pose(height: float, phase: float) -> Pose:
    swing = math.sin(phase)
    stride = 0.16 * height
    hip = 0.52 * height
    feet = (np.array([stride * swing, -0.05 * height, 0.04]),
            np.array([-stride * swing, 0.05 * height, 0.04]))
    knees = (np.array([feet[0][0] * 0.5 + 0.02 * height, feet[0][1], 0.27 * height]),
             np.array([feet[1][0] * 0.5 + 0.02 * height, feet[1][1], 0.27 * height]))
    hands = (np.array([-0.1 * height * swing, -0.14 * height, 0.47 * height]),
             np.array([0.1 * height * swing, 0.14 * height, 0.47 * height]))
    return Pose(hip, 0.81 * height, 0.0, feet, knees, hands)


def riding_pose(height: float, saddle: float, bars: tuple[float, float], phase: float,
                motor: bool) -> Pose:
    """Seated on a saddle at local forward 0; bars = (forward, up) of the handlebar grips."""
    crank = 0.0 if motor else 0.17
    pedals = [np.array([crank * math.cos(phase + k * math.pi) + (0.1 if motor else 0.0),
                        side * 0.12, 0.3 + crank * math.sin(phase + k * math.pi)])
              for k, side in ((0, -1), (1, 1))]
    knee_height = saddle - 0.05 + (0.1 if motor else 0.0)
    knees = (np.array([pedals[0][0] * 0.3 + 0.3, pedals[0][1] * 1.2, knee_height]),
             np.array([pedals[1][0] * 0.3 + 0.3, pedals[1][1] * 1.2, knee_height]))
    hands = (np.array([bars[0], -0.24, bars[1]]), np.array([bars[0], 0.24, bars[1]]))
    torso = 0.29 * height
    lean = min(bars[0] * 0.6, torso * 0.75)
    return Pose(saddle, saddle + math.sqrt(max(torso ** 2 - lean ** 2, 0.01)), lean,
                (pedals[0], pedals[1]), knees, hands)


def draw_figure(canvas: Canvas, frame: Frame, height: float, pose: Pose, outfit: Outfit,
                label: int) -> None:
    """Limbs on the far side first, then torso, then near limbs and head (painter's order)."""
    h = height
    if canvas.pixels(h, canvas.depth(frame.origin)) < 14:
        _small_figure(canvas, frame, h, pose, outfit, label)
        return
    near = 1.0 if float((canvas.camera.centre - frame.origin) @ frame.right) > 0 else -1.0
    hips = [np.array([0.0, side * 0.06 * h, pose.hip]) for side in (-1, 1)]
    shoulders = [np.array([pose.lean, side * 0.135 * h, pose.shoulder - 0.02 * h]) for side in (-1, 1)]
    leg_r, arm_r = 0.042 * h, 0.027 * h
    thigh_colour = outfit.top if outfit.coat else outfit.legs

    def limb(i: int) -> None:
        hip, knee, foot = frame.to_world(np.stack([hips[i], pose.knees[i], pose.feet[i]]))
        canvas.line(hip, knee, leg_r, thigh_colour, label)
        canvas.line(knee, foot, leg_r * 0.85, outfit.legs, label)
        canvas.line(foot, frame.to_world(pose.feet[i] + np.array([0.06 * h, 0, 0])), leg_r * 0.7,
                    outfit.shoes, label)

    def arm(i: int) -> None:
        shoulder, hand = frame.to_world(np.stack([shoulders[i], pose.hands[i]]))
        elbow = (shoulder + hand) / 2 + np.array([0, -0.02, 0])
        canvas.line(shoulder, elbow, arm_r, outfit.top, label)
        canvas.line(elbow, hand, arm_r * 0.85, outfit.top * 0.95, label)

    far_i, near_i = (0, 1) if near > 0 else (1, 0)
    limb(far_i)
    arm(far_i)
    bottom = pose.hip - (0.2 * h if outfit.coat and pose.hip > 0.4 * h else 0.03 * h)
    canvas.box(frame, -0.07 * h, 0.07 * h, -0.11 * h, 0.11 * h, bottom, pose.shoulder,
               outfit.top, label, taper=(pose.lean, -pose.lean, -0.02 * h))
    limb(near_i)
    arm(near_i)
    neck = frame.to_world(np.array([pose.lean, 0.0, pose.shoulder]))
    head_centre = frame.to_world(np.array([pose.lean * 1.1, 0.0, pose.shoulder + 0.1 * h]))
    canvas.line(neck, head_centre, 0.025 * h, outfit.skin, label)
    r = 0.065 * h
    seen_from_behind = float((canvas.camera.centre - frame.origin) @ frame.forward) < 0
    if outfit.helmet is not None:
        canvas.blob(head_centre + np.array([0, 0.01 * h, 0]), r * 1.2, outfit.helmet, label)
    elif seen_from_behind:
        canvas.blob(head_centre, r, outfit.hair, label)
    else:
        canvas.blob(head_centre, r, outfit.skin, label)
        canvas.blob(head_centre + np.array([0, 0.35 * r, 0]), r * 0.8, outfit.hair, label, squash=0.7)


def _small_figure(canvas: Canvas, frame: Frame, h: float, pose: Pose, outfit: Outfit, label: int) -> None:
    """A distant figure: two legs, a torso and a head are all that resolve."""
    for i, side in enumerate((-1, 1)):
        hip, foot = frame.to_world(np.array([[0.0, side * 0.06 * h, pose.hip], pose.feet[i]]))
        canvas.line(hip, foot, 0.045 * h, outfit.legs, label)
    canvas.box(frame, -0.07 * h, 0.07 * h, -0.12 * h, 0.12 * h, pose.hip - 0.03 * h, pose.shoulder,
               outfit.top, label, taper=(pose.lean, -pose.lean, 0.0))
    head = frame.to_world(np.array([pose.lean * 1.1, 0.0, pose.shoulder + 0.1 * h]))
    canvas.blob(head, 0.07 * h, outfit.helmet if outfit.helmet is not None else outfit.hair, label)


@dataclass
class Person(Prop):
    place: Placement  # feet; local forward is the walking direction
    height: float
    outfit: Outfit
    phase: float  # walking cycle offset
    stride: float  # metres per walking cycle

    @property
    def radius(self) -> float:
        return self.height

    def shadow(self, canvas: Canvas, t: float) -> None:
        frame = self.place.frame(t)
        r = 0.3
        canvas.shadow(frame.to_world(np.array([[-r, -r, 0.02], [r, -r, 0.02], [r, r, 0.02], [-r, r, 0.02]])),
                      0.3 * canvas.light.sun_strength)

    def draw(self, canvas: Canvas, t: float) -> None:
        frame = self.place.frame(t)
        moving = self.place.speed_s != 0 or self.place.speed_d != 0
        phase = self.phase + (2 * math.pi * self.place.distance(t) / self.stride if moving else 0.0)
        pose = walking_pose(self.height, phase if moving else self.phase * 0.2)
        draw_figure(canvas, frame, self.height, pose, self.outfit, Cls.PERSON)


def random_person(rng: Dice, place: Placement) -> Person:
    height = float(np.clip(rng.normal(1.72, 0.1), 1.45, 1.98))
    if rng.random() < 0.08:
        height = float(rng.uniform(1.0, 1.4))  # a child
    return Person(place, height, random_outfit(rng), float(rng.uniform(0, 2 * math.pi)), 0.8 * height)
