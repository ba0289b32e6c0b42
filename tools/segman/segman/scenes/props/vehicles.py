"""Motor vehicles: cars, trucks, buses and tram cars (Cityscapes' "train")."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..canvas import Canvas, on_face, on_face_many
from ..classes import Cls
from ..dice import Dice
from ..frame import UP, Frame
from ..placement import Placement
from .base import Prop, ground_shadow

TYRE = np.array([28, 28, 30])
HUB = np.array([150, 150, 150])
TAIL = (40, 30, 190)
HEAD = (215, 235, 240)
PLATE = np.array([230, 230, 230])


def _near_side(canvas: Canvas, frame: Frame) -> float:
    """+1 when the camera sees the vehicle's right flank, -1 for the left."""
    return 1.0 if float((canvas.camera.centre - frame.origin) @ frame.right) > 0 else -1.0


def _wheels(canvas: Canvas, frame: Frame, axles: list[float], half_track: float, radius: float,
            label: int, side: float, hubs: bool = True) -> None:
    normal = side * frame.right
    if not canvas.facing(frame.to_world(np.array([[0.0, side * half_track, 0.0]])), normal):
        return
    for f in axles:
        centre = frame.to_world(np.array([f, side * half_track, radius]))
        canvas.disc(centre, frame.forward, UP, radius, TYRE, label, segments=12, normal=normal)
        if hubs:
            canvas.disc(centre + side * 0.01 * frame.right, frame.forward, UP, radius * 0.55, HUB,
                        label, segments=8, normal=normal)


def _tyre_blocks(canvas: Canvas, frame: Frame, axles: list[float], half_track: float,
                 radius: float, label: int) -> None:
    """The treads that show below the body from any side (drawn before the body)."""
    for f in axles:
        for side in (-1.0, 1.0):
            outer = side * half_track
            canvas.box(frame, f - 0.6 * radius, f + 0.6 * radius, min(outer, outer - side * 0.25),
                       max(outer, outer - side * 0.25), 0.0, radius, TYRE, label)


def _glass(canvas: Canvas, depth: float) -> tuple[float, float, float]:
    return canvas.colour(np.array([55, 45, 40]) * 0.7 + canvas.light.sky_horizon * 0.3, None, depth)


def _lamp_pair(canvas: Canvas, face: np.ndarray, colour, label: int, b0: float, b1: float,
               width: float = 0.17) -> None:
    quads = np.concatenate([on_face(face, 0.03, 0.03 + width, b0, b1)[None],
                            on_face(face, 0.97 - width, 0.97, b0, b1)[None]])
    canvas.fill_many(quads, colour, label)


def _ends(canvas: Canvas, faces: dict[str, np.ndarray], label: int, b_lamps: tuple[float, float],
          bumper: np.ndarray) -> None:
    """Lamps, number plate and bumper on whichever end faces the camera."""
    for name, lamp in (("back", TAIL), ("front", HEAD)):
        face = faces.get(name)
        if face is None:
            continue
        depth = canvas.mean_depth(face)
        canvas.fill(on_face(face, 0.0, 1.0, 0.0, 0.22), canvas.colour(bumper, None, depth), label)
        _lamp_pair(canvas, face, lamp, label, *b_lamps)
        canvas.fill(on_face(face, 0.38, 0.62, 0.25, 0.45), canvas.colour(PLATE, None, depth), label)


@dataclass
class Car(Prop):
    place: Placement  # middle of the footprint; local forward is the driving direction
    length: float
    width: float
    height: float
    paint: np.ndarray
    hood: float  # metres of bonnet in front of the windscreen
    boot: float  # metres of boot behind the rear window

    @property
    def radius(self) -> float:
        return self.length / 2 + 0.5

    def shadow(self, canvas: Canvas, t: float) -> None:
        half, hw = self.length / 2, self.width / 2
        ground_shadow(canvas, self.place.frame(t), -half - 0.1, half + 0.1, -hw - 0.1, hw + 0.1, 0.8)

    def draw(self, canvas: Canvas, t: float) -> None:
        frame = self.place.frame(t)
        half, hw = self.length / 2, self.width / 2
        size = canvas.pixels(self.length, canvas.depth(frame.origin))
        belt = 0.55 * self.height + 0.12
        if size < 14:  # a few pixels: the silhouette is all that shows
            canvas.box(frame, -half, half, -hw, hw, 0.15, belt, self.paint, Cls.CAR, taper=(0.08, 0.2, 0.03))
            canvas.box(frame, -half + self.boot, half - self.hood, -hw + 0.05, hw - 0.05, belt,
                       self.height, self.paint * 0.8, Cls.CAR, taper=(0.35, 0.65, 0.15))
            return
        side = _near_side(canvas, frame)
        axles = [-half + 0.85, half - 0.9]
        wheel = 0.31 + 0.02 * (self.height - 1.4) / 0.3
        detailed = size >= 40
        _tyre_blocks(canvas, frame, axles, hw - 0.02, wheel, Cls.CAR)
        body = canvas.box(frame, -half, half, -hw, hw, 0.25, belt, self.paint, Cls.CAR,
                          taper=(0.08, 0.2, 0.03))
        cabin = canvas.box(frame, -half + self.boot, half - self.hood, -hw + 0.05, hw - 0.05, belt,
                           self.height, self.paint, Cls.CAR,
                           taper=(0.35, 0.65, 0.15), top=self.paint * 0.95)
        for name, face in cabin.items():
            if name == "top":
                continue
            depth = canvas.mean_depth(face)
            if name in ("left", "right"):
                quads = np.stack([on_face(face, 0.06, 0.47, 0.1, 0.88), on_face(face, 0.53, 0.94, 0.1, 0.88)])
                canvas.fill_many(quads, _glass(canvas, depth), Cls.CAR)
            else:
                canvas.fill(on_face(face, 0.06, 0.94, 0.08, 0.9), _glass(canvas, depth), Cls.CAR)
        if detailed:
            _ends(canvas, body, Cls.CAR, (0.5, 0.8), np.array([40, 40, 42]))
        _wheels(canvas, frame, axles, hw + 0.01, wheel, Cls.CAR, side, hubs=detailed)


def random_car(rng: Dice, place: Placement) -> Car:
    style = rng.choice(["hatch", "sedan", "suv", "van"], p=[0.35, 0.35, 0.2, 0.1])
    length, width, height, hood, boot = {
        "hatch": (rng.uniform(3.7, 4.2), rng.uniform(1.7, 1.8), rng.uniform(1.42, 1.52), 0.9, 0.25),
        "sedan": (rng.uniform(4.4, 4.9), rng.uniform(1.75, 1.85), rng.uniform(1.4, 1.48), 1.1, 0.9),
        "suv": (rng.uniform(4.4, 4.8), rng.uniform(1.8, 1.95), rng.uniform(1.65, 1.8), 1.0, 0.3),
        "van": (rng.uniform(4.8, 5.3), rng.uniform(1.9, 2.0), rng.uniform(1.9, 2.1), 0.7, 0.15),
    }[str(style)]
    palette = np.array([[235, 235, 235], [30, 30, 32], [160, 160, 165], [110, 110, 115],
                        [40, 40, 170], [150, 70, 20], [60, 90, 40], [40, 150, 200], [90, 60, 40],
                        [200, 200, 210]], float)
    paint = palette[rng.integers(len(palette))] * rng.uniform(0.85, 1.1) + rng.uniform(-10, 10, 3)
    return Car(place, float(length), float(width), float(height), np.clip(paint, 5, 250),
               float(hood), float(boot))


@dataclass
class Truck(Prop):
    place: Placement
    length: float
    cargo_height: float
    cab: np.ndarray
    cargo: np.ndarray

    @property
    def radius(self) -> float:
        return self.length / 2 + 0.5

    def shadow(self, canvas: Canvas, t: float) -> None:
        ground_shadow(canvas, self.place.frame(t), -self.length / 2, self.length / 2, -1.3, 1.3, 0.8)

    def draw(self, canvas: Canvas, t: float) -> None:
        frame = self.place.frame(t)
        half, hw = self.length / 2, 1.25
        side = _near_side(canvas, frame)
        axles = [-half + 1.3, -half + 2.7, half - 1.4] if self.length > 8 else [-half + 1.3, half - 1.3]
        _tyre_blocks(canvas, frame, axles, hw - 0.05, 0.5, Cls.TRUCK)
        canvas.box(frame, -half + 0.2, half - 2.3, -hw + 0.2, hw - 0.2, 0.55, 1.0,
                   np.array([35, 35, 35]), Cls.TRUCK)
        cargo = canvas.box(frame, -half, half - 2.4, -hw, hw, 1.0, self.cargo_height, self.cargo,
                           Cls.TRUCK)
        cab = canvas.box(frame, half - 2.3, half, -hw, hw, 0.6, 2.9, self.cab, Cls.TRUCK,
                         taper=(0.0, 0.25, 0.05))
        for name, face in cab.items():
            depth = canvas.mean_depth(face)
            if name == "front":
                canvas.fill(on_face(face, 0.05, 0.95, 0.55, 0.92), _glass(canvas, depth), Cls.TRUCK)
                _lamp_pair(canvas, face, HEAD, Cls.TRUCK, 0.12, 0.22)
            elif name in ("left", "right"):
                canvas.fill(on_face(face, 0.15, 0.85, 0.55, 0.9), _glass(canvas, depth), Cls.TRUCK)
        back = cargo.get("back")
        if back is not None:
            depth = canvas.mean_depth(back)
            canvas.fill(on_face(back, 0.495, 0.505, 0.0, 1.0), canvas.colour(self.cargo * 0.6, None, depth),
                        Cls.TRUCK)
            _lamp_pair(canvas, back, TAIL, Cls.TRUCK, 0.02, 0.1, width=0.1)
        _wheels(canvas, frame, axles, hw + 0.01, 0.5, Cls.TRUCK, side)


def random_truck(rng: Dice, place: Placement) -> Truck:
    cab = rng.choice([[240, 240, 240], [40, 40, 200], [160, 90, 30], [50, 130, 60], [40, 170, 230]])
    cargo = rng.choice([[225, 225, 225], [190, 195, 200], [60, 60, 180], [150, 150, 150]])
    return Truck(place, float(rng.uniform(6.5, 11.0)), float(rng.uniform(3.2, 3.8)),
                 np.array(cab, float) * rng.uniform(0.85, 1.05), np.array(cargo, float) * rng.uniform(0.85, 1.05))


@dataclass
class Bus(Prop):
    place: Placement
    length: float
    paint: np.ndarray
    stripe: np.ndarray

    @property
    def radius(self) -> float:
        return self.length / 2 + 0.5

    def shadow(self, canvas: Canvas, t: float) -> None:
        ground_shadow(canvas, self.place.frame(t), -self.length / 2, self.length / 2, -1.35, 1.35, 0.9)

    def draw(self, canvas: Canvas, t: float) -> None:
        frame = self.place.frame(t)
        half, hw = self.length / 2, 1.27
        side = _near_side(canvas, frame)
        axles = [-half + 3.0, half - 2.6]
        _tyre_blocks(canvas, frame, axles, hw - 0.05, 0.5, Cls.BUS)
        faces = canvas.box(frame, -half, half, -hw, hw, 0.3, 3.05, self.paint, Cls.BUS,
                           taper=(0.05, 0.1, 0.03), top=self.paint * 0.8)
        for name, face in faces.items():
            if name == "top":
                continue
            depth = canvas.mean_depth(face)
            glass = _glass(canvas, depth)
            stripe = canvas.colour(self.stripe, None, depth)
            if name in ("left", "right"):
                canvas.fill(on_face(face, 0.0, 1.0, 0.2, 0.28), stripe, Cls.BUS)
                n = max(2, int(self.length / 1.6))
                a = np.arange(n) / n
                canvas.fill_many(on_face_many(face, a + 0.1 / n, a + 0.93 / n, np.full(n, 0.42),
                                              np.full(n, 0.86)), glass, Cls.BUS)
                doors = np.array([0.12, 0.55]) if name == "right" else np.zeros(0)
                canvas.fill_many(on_face_many(face, doors, doors + 0.09, np.full(len(doors), 0.05),
                                              np.full(len(doors), 0.86)), glass, Cls.BUS)
            elif name == "front":
                canvas.fill(on_face(face, 0.04, 0.96, 0.35, 0.86), glass, Cls.BUS)
                canvas.fill(on_face(face, 0.15, 0.85, 0.88, 0.96), (40, 160, 235), Cls.BUS)
                _lamp_pair(canvas, face, HEAD, Cls.BUS, 0.08, 0.16, width=0.12)
            else:
                canvas.fill(on_face(face, 0.1, 0.9, 0.55, 0.86), glass, Cls.BUS)
                _lamp_pair(canvas, face, TAIL, Cls.BUS, 0.1, 0.3, width=0.08)
        _wheels(canvas, frame, axles, hw + 0.01, 0.5, Cls.BUS, side)


def random_bus(rng: Dice, place: Placement) -> Bus:
    liveries = [([40, 200, 240], [30, 30, 30]), ([40, 40, 200], [235, 235, 235]),
                ([235, 235, 235], [170, 90, 20]), ([60, 140, 50], [235, 235, 235]),
                ([210, 210, 215], [40, 40, 200])]
    paint, stripe = liveries[rng.integers(len(liveries))]
    return Bus(place, float(rng.uniform(11.0, 12.5)), np.array(paint, float) * rng.uniform(0.85, 1.05),
               np.array(stripe, float))


@dataclass
class TramCar(Prop):
    """One section of an articulated tram; a tram is several sections moving together."""
    place: Placement
    length: float
    paint: np.ndarray
    lead: bool  # a driver's end with windscreen at local front
    tail: bool  # a driver's end at local back
    pantograph: bool

    @property
    def radius(self) -> float:
        return self.length / 2 + 1

    def draw(self, canvas: Canvas, t: float) -> None:
        frame = self.place.frame(t)
        half, hw = self.length / 2, 1.32
        taper = (0.4 if self.tail else 0.0, 0.4 if self.lead else 0.0, 0.05)
        faces = canvas.box(frame, -half, half, -hw, hw, 0.3, 3.35, self.paint, Cls.TRAIN, taper=taper,
                           top=self.paint * 0.7)
        skirt = np.array([70, 70, 70])
        for name, face in faces.items():
            if name == "top":
                continue
            depth = canvas.mean_depth(face)
            glass = _glass(canvas, depth)
            if name in ("left", "right"):
                canvas.fill(on_face(face, 0.0, 1.0, 0.0, 0.1), canvas.colour(skirt, None, depth), Cls.TRAIN)
                n = max(2, int(self.length / 1.9))
                a = np.arange(n) / n
                canvas.fill_many(on_face_many(face, a + 0.08 / n, a + 0.94 / n, np.full(n, 0.4),
                                              np.full(n, 0.84)), glass, Cls.TRAIN)
            elif (name == "front" and self.lead) or (name == "back" and self.tail):
                canvas.fill(on_face(face, 0.05, 0.95, 0.42, 0.88), glass, Cls.TRAIN)
                canvas.fill(on_face(face, 0.2, 0.8, 0.9, 0.97), (40, 170, 240), Cls.TRAIN)
                _lamp_pair(canvas, face, HEAD if name == "front" else TAIL, Cls.TRAIN, 0.15, 0.22, 0.1)
            else:  # articulation bellows
                canvas.fill(on_face(face, 0.1, 0.9, 0.05, 0.95), canvas.colour(np.array([40, 40, 40]), None, depth),
                            Cls.TRAIN)
        canvas.box(frame, -1.5, 1.5, -0.8, 0.8, 3.35, 3.7, np.array([120, 120, 120]), Cls.TRAIN)
        if self.pantograph:
            base, knee, head = frame.to_world(np.array([[0, 0, 3.7], [-0.6, 0, 4.3], [0.1, 0, 4.9]]))
            canvas.line(base, knee, 0.03, np.array([60, 60, 60]), Cls.TRAIN)
            canvas.line(knee, head, 0.03, np.array([60, 60, 60]), Cls.TRAIN)
            a, b = frame.to_world(np.array([[0.1, -0.8, 4.9], [0.1, 0.8, 4.9]]))
            canvas.line(a, b, 0.03, np.array([60, 60, 60]), Cls.TRAIN)


def tram(rng: Dice, road, s: float, d: float, turn: float, speed: float) -> list[TramCar]:
    """An articulated tram of 3 sections whose lead end faces the direction of travel."""
    paint = np.array(rng.choice([[40, 40, 190], [235, 235, 235], [40, 200, 240], [150, 90, 30]]), float)
    paint = paint * rng.uniform(0.85, 1.05)
    sections = int(rng.integers(2, 4))
    length = float(rng.uniform(8.5, 10.5))
    direction = 1.0 if abs(turn) < 1 else -1.0
    cars = []
    for i in range(sections):
        offset = -i * (length + 0.3) * direction
        cars.append(TramCar(Placement(road, s + offset, d, turn, speed * direction), length, paint,
                            lead=i == 0, tail=i == sections - 1, pantograph=i == sections // 2))
    return cars
