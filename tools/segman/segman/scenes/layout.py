"""Random street layouts: the road, what lines it, and the traffic on it.

Every choice is drawn from the generator passed in, so a seed fixes the whole street.
"""

from __future__ import annotations

import math

import numpy as np

from .dice import Dice
from .ground import random_ground_look
from .lighting import random_lighting
from .placement import Placement
from .props.barriers import Fence, Wall
from .props.base import Prop
from .props.buildings import Building, random_facade
from .props.cycles import random_two_wheeler
from .props.people import random_outfit, random_person
from .props.poles import POLE_GREY, StreetLamp, TrafficLight, TrafficSign, random_sign_look
from .props.vegetation import Hedge, random_tree
from .props.vehicles import random_bus, random_car, random_truck, tram
from .road import Intersection, Road, Side
from .world import World

SIDES = (1.0, -1.0)  # right, left


def random_road(rng: Dice, length: float) -> Road:
    lane_width = float(rng.uniform(3.0, 3.6))
    right_lanes = int(rng.choice([1, 2, 3], p=[0.55, 0.35, 0.1]))
    left_lanes = int(rng.choice([0, 1, 2], p=[0.2, 0.5, 0.3]))
    tram_line = right_lanes >= 1 and left_lanes >= 1 and rng.random() < 0.3

    def side(lanes: int) -> Side:
        return Side(lanes, float(rng.choice([0.0, 2.2])), float(rng.uniform(0.2, 0.35)),
                    float(rng.uniform(0.8, 3.0)) if rng.random() < 0.35 else 0.0,
                    float(rng.uniform(1.8, 5.0)), bool(rng.random() < 0.4))

    right, left = side(right_lanes), side(left_lanes)
    curvature = []
    if rng.random() < 0.35:
        start = float(rng.uniform(5, 60))
        kappa = float(rng.uniform(1 / 300, 1 / 80)) * float(rng.choice([-1, 1]))
        curvature.append((start, start + float(rng.uniform(30, 110)), kappa))
    intersections = []
    if rng.random() < 0.5:
        s = float(rng.uniform(16, 70))
        intersections.append(Intersection(s, float(rng.uniform(8, 14)), bool(rng.random() < 0.8)))
        if rng.random() < 0.2:
            intersections.append(Intersection(s + float(rng.uniform(60, 120)), float(rng.uniform(8, 14)),
                                              bool(rng.random() < 0.5)))
    return Road(lane_width, right, left, tram_line, curvature, intersections, s_max=length + 150)


def _free(road: Road, s0: float, s1: float, margin: float = 1.0) -> bool:
    """True when [s0, s1] stays clear of every side road."""
    return all(s1 < i.s - margin or s0 > i.s + i.width + margin for i in road.intersections)


def dress_side(rng: Dice, road: Road, sign: float, s0: float, s1: float) -> list[Prop]:
    """Buildings, walls, fences, parks and the furniture of one side of the street."""
    side = road.side(sign)
    lw = road.lane_width
    front = side.frontage(lw)
    props: list[Prop] = []
    s = s0
    while s < s1:
        kind = rng.choice(["buildings", "park", "wall", "fence"], p=[0.58, 0.14, 0.14, 0.14])
        if kind == "buildings":
            for _ in range(int(rng.integers(2, 6))):
                length = float(rng.uniform(8, 26))
                setback = 0.0 if rng.random() < 0.7 else float(rng.uniform(1, 6))
                if _free(road, s, s + length):
                    height = float(rng.uniform(6, 26)) if rng.random() < 0.85 else float(rng.uniform(28, 55))
                    place = Placement(road, s + length / 2, sign * (front + setback))
                    props.append(Building(place, length, float(rng.uniform(10, 20)), height,
                                          random_facade(rng), facing_left=sign > 0))
                s += length + (0.0 if rng.random() < 0.7 else float(rng.uniform(1, 6)))
            continue
        length = float(rng.uniform(12, 45))
        end = s + length
        pieces = [(a, b) for a, b in _split_around_intersections(road, s, end) if b - a > 2]
        for a, b in pieces:
            mid, span = (a + b) / 2, b - a
            if kind == "wall":
                colour = np.array(rng.choice([[170, 175, 180], [120, 125, 130], [60, 75, 140],
                                              [150, 180, 200], [90, 95, 95]]), float)
                colour = colour * rng.uniform(0.85, 1.1)
                height, joints, brick = float(rng.uniform(0.8, 2.6)), float(rng.uniform(1.5, 4)), rng.random() < 0.35
                props += [Wall(Placement(road, m, sign * (front + 0.25)), n, height, 0.3, colour, joints, brick)
                          for m, n in _pieces(a, b)]
            elif kind == "fence":
                fence_kind = str(rng.choice(["picket", "mesh", "wood"], p=[0.4, 0.35, 0.25]))
                colour = {"picket": rng.uniform([30, 30, 30], [120, 120, 120]),
                          "mesh": rng.uniform([120, 120, 120], [180, 180, 180]),
                          "wood": rng.uniform([50, 80, 110], [90, 130, 170])}[fence_kind]
                height, posts = float(rng.uniform(1.0, 2.2)), float(rng.uniform(2.0, 3.0))
                props += [Fence(Placement(road, m, sign * (front + 0.2)), n, height, colour, fence_kind, posts)
                          for m, n in _pieces(a, b)]
            elif rng.random() < 0.4:
                height, width = float(rng.uniform(0.8, 1.8)), float(rng.uniform(0.7, 1.2))
                leaf = rng.uniform([25, 80, 40], [60, 130, 90])
                props += [Hedge(Placement(road, m, sign * (front + 0.6)), n, height, width, leaf)
                          for m, n in _pieces(a, b)]
            # what stands behind the wall, fence or park edge
            for tree_s in np.arange(a + 3, b - 2, float(rng.uniform(5, 10))):
                if rng.random() < 0.7:
                    props.append(random_tree(rng, Placement(road, float(tree_s),
                                             sign * (front + float(rng.uniform(2, 9)))), 1.3))
            if kind != "park" and rng.random() < 0.6 and span > 8:
                place = Placement(road, mid, sign * (front + float(rng.uniform(6, 14))))
                props.append(Building(place, span, float(rng.uniform(10, 20)), float(rng.uniform(6, 20)),
                                      random_facade(rng), facing_left=sign > 0))
        s = end
    props += _furniture(rng, road, sign, s0, s1)
    return props


def _pieces(a: float, b: float, longest: float = 6.0) -> list[tuple[float, float]]:
    """(middle, length) of equal pieces of [a, b], none longer than `longest`: long barriers are
    drawn piecewise so that painter's order stays right next to cars and people."""
    n = max(1, int(np.ceil((b - a) / longest)))
    step = (b - a) / n
    return [(a + (i + 0.5) * step, step) for i in range(n)]


def _split_around_intersections(road: Road, s0: float, s1: float) -> list[tuple[float, float]]:
    pieces = [(s0, s1)]
    for inter in road.intersections:
        cut_a, cut_b = inter.s - 1.0, inter.s + inter.width + 1.0
        next_pieces = []
        for a, b in pieces:
            if b <= cut_a or a >= cut_b:
                next_pieces.append((a, b))
                continue
            if a < cut_a:
                next_pieces.append((a, cut_a))
            if b > cut_b:
                next_pieces.append((cut_b, b))
        pieces = next_pieces
    return pieces


def _furniture(rng: Dice, road: Road, sign: float, s0: float, s1: float) -> list[Prop]:
    side = road.side(sign)
    lw = road.lane_width
    walk0 = side.sidewalk_start(lw)
    props: list[Prop] = []
    lamp_colour = POLE_GREY * rng.uniform(0.6, 1.3)
    s = s0 + float(rng.uniform(0, 20))
    while s < s1:
        if _free(road, s - 0.5, s + 0.5):
            props.append(StreetLamp(Placement(road, s, sign * (walk0 + 0.4)), float(rng.uniform(6.5, 9)),
                                    sign * float(rng.uniform(0.8, 2.0)), lamp_colour))
        s += float(rng.uniform(18, 35))
    if rng.random() < 0.55:  # a row of street trees, in the verge or in tree pits
        d = side.road_edge(lw) + side.curb + (side.verge / 2 if side.verge else 0.9)
        s = s0 + float(rng.uniform(0, 8))
        while s < s1:
            if _free(road, s - 1.5, s + 1.5):
                props.append(random_tree(rng, Placement(road, s, sign * d)))
            s += float(rng.uniform(7, 14))
    for _ in range(int(rng.integers(0, 4))):
        s = float(rng.uniform(s0, s1))
        if not _free(road, s - 0.5, s + 0.5):
            continue
        shape, face, border, symbol = random_sign_look(rng)
        facing_us = sign > 0 or rng.random() < 0.4
        props.append(TrafficSign(Placement(road, s, sign * (walk0 + 0.3), math.pi if facing_us else 0.0),
                                 float(rng.uniform(2.0, 2.8)), float(rng.uniform(0.55, 0.8)), shape,
                                 face, border, symbol, POLE_GREY))
    if rng.random() < 0.3:  # parked bicycles
        s = float(rng.uniform(s0 + 5, s1))
        for k in range(int(rng.integers(1, 5))):
            place = Placement(road, s + 0.8 * k, sign * (walk0 + side.sidewalk - 0.9), math.pi / 2 * sign)
            props.append(random_two_wheeler(rng, place, motor=False, rider=None))
    for _ in range(int(rng.poisson(5.0 * (s1 - s0) / 100))):
        s = float(rng.uniform(s0, s1))
        d = sign * (walk0 + float(rng.uniform(0.4, max(side.sidewalk - 0.4, 0.5))))
        walking = rng.random() < 0.8
        turn = 0.0 if rng.random() < 0.5 else math.pi
        speed = float(rng.uniform(1.1, 1.6)) if walking else 0.0
        props.append(random_person(rng, Placement(road, s, d, turn, speed if turn == 0 else -speed)))
    return props


def intersection_props(rng: Dice, road: Road, inter: Intersection,
                       signal: int | None = None, busy: bool = True) -> list[Prop]:
    """Traffic lights (signal: 0 red, 1 amber, 2 green, None random) and, when busy, people on
    the crosswalk and a car on the side road."""
    props: list[Prop] = []
    lw = road.lane_width
    state = int(rng.integers(3)) if signal is None else signal
    colour = POLE_GREY * rng.uniform(0.4, 1.0)
    near_s, far_s = inter.s - 1.5, inter.s + inter.width + 1.5
    for sign, s, turn, mast in ((1.0, near_s, math.pi, rng.random() < 0.5),
                                (-1.0, far_s, math.pi, False),
                                (1.0, far_s, math.pi, rng.random() < 0.3),
                                (-1.0, near_s, 0.0, False)):
        side = road.side(sign)
        d = sign * (side.road_edge(lw) + side.curb + 0.5)
        reach = side.road_edge(lw) * 0.8 if mast else 0.0
        props.append(TrafficLight(Placement(road, s, d, turn), float(rng.uniform(3.2, 4.0) if not mast else 6.0),
                                  reach, state, colour, pedestrian_head=rng.random() < 0.5))
    if not busy:
        return props
    if inter.crosswalk:
        for _ in range(int(rng.integers(0, 4))):
            d = float(rng.uniform(-road.edge(False), road.edge(True)))
            direction = 1.0 if rng.random() < 0.5 else -1.0
            place = Placement(road, float(rng.uniform(inter.s - 4.3, inter.s - 1.0)), d,
                              direction * math.pi / 2, 0.0, direction * float(rng.uniform(1.1, 1.5)))
            props.append(random_person(rng, place))
    if rng.random() < 0.5:  # cross traffic on the side road
        direction = 1.0 if rng.random() < 0.5 else -1.0
        lane = inter.s + inter.width / 2 + direction * inter.width / 4
        d = float(rng.uniform(-25, 25))
        props.append(random_car(rng, Placement(road, lane, d, direction * math.pi / 2, 0.0, direction * 8.0)))
    return props


def traffic(rng: Dice, road: Road, camera_d: float, s0: float, s1: float) -> list[Prop]:
    """Moving and parked vehicles, two-wheelers and trams (s0: the camera's position)."""
    props: list[Prop] = []
    lw = road.lane_width
    for lane in list(range(road.right.lanes)) + [-k - 1 for k in range(road.left.lanes)]:
        d = road.lane_centre(lane)
        oncoming = lane < 0
        s = s0 + (float(rng.uniform(-10, 30)) if oncoming else float(rng.uniform(4, 35)))
        ours = abs(d - camera_d) < lw / 2
        while s < s1:
            kind = rng.choice(["car", "truck", "bus", "moto", "bike"], p=[0.7, 0.1, 0.08, 0.07, 0.05])
            length = {"car": 4.5, "truck": 9.0, "bus": 12.0, "moto": 2.0, "bike": 1.8}[str(kind)]
            s_mid = s + length / 2
            if not (ours and s_mid - length / 2 < s0 + 6):
                speed = float(rng.uniform(6, 13)) * (-1 if oncoming else 1)
                place = Placement(road, s_mid, d + float(rng.uniform(-0.3, 0.3)), math.pi if oncoming else 0.0,
                                  speed)
                props += _vehicle(rng, str(kind), place)
            s += length + float(rng.uniform(3, 35))
    for sign in SIDES:
        side = road.side(sign)
        if not side.parking:
            continue
        d = sign * (side.lanes * lw + side.parking / 2)
        s = s0 + float(rng.uniform(-5, 5))
        while s < s1 * 0.7:
            kind = rng.choice(["car", "truck", "moto"], p=[0.88, 0.06, 0.06])
            length = {"car": 4.6, "truck": 8.0, "moto": 2.0}[str(kind)]
            if rng.random() < 0.8 and _free(road, s - 7, s + length + 3):
                place = Placement(road, s + length / 2, d + float(rng.uniform(-0.15, 0.15)),
                                  0.0 if (sign > 0 or rng.random() < 0.3) else math.pi)
                props += _vehicle(rng, str(kind), place, rider=False)
            s += length + float(rng.uniform(0.6, 4))
    if road.tram and rng.random() < 0.75:
        oncoming = rng.random() < 0.5
        d = -lw / 2 if oncoming else lw / 2
        s = s0 + float(rng.uniform(12, 70))
        if not oncoming:  # its sections trail behind it: keep them all ahead of the camera
            s += 35.0
        props += tram(rng, road, s, d, math.pi if oncoming else 0.0, float(rng.uniform(4, 10)))
    if rng.random() < 0.4:  # cyclists keeping to the right edge
        for _ in range(int(rng.integers(1, 3))):
            place = Placement(road, s0 + float(rng.uniform(5, 40)), road.right.lanes * lw - 0.8, 0.0,
                              float(rng.uniform(4, 7)))
            outfit = random_outfit(rng, helmet=rng.random() < 0.5)
            props.append(random_two_wheeler(rng, place, motor=False, rider=outfit))
    return props


def _vehicle(rng: Dice, kind: str, place: Placement, rider: bool = True) -> list[Prop]:
    if kind == "car":
        return [random_car(rng, place)]
    if kind == "truck":
        return [random_truck(rng, place)]
    if kind == "bus":
        return [random_bus(rng, place)]
    motor = kind == "moto"
    outfit = random_outfit(rng, helmet=motor or rng.random() < 0.4) if rider else None
    return [random_two_wheeler(rng, place, motor=motor, rider=outfit)]


def skyline(rng: Dice, road: Road, s0: float, s1: float) -> list[Prop]:
    """Tall blocks and tree lines well behind the street, and across its far end."""
    props: list[Prop] = []
    for sign in SIDES:
        front = road.side(sign).frontage(road.lane_width)
        s = s0
        while s < s1:
            length = float(rng.uniform(15, 45))
            d = sign * (front + float(rng.uniform(22, 60)))
            if rng.random() < 0.75:
                props.append(Building(Placement(road, s + length / 2, d), length, 20.0,
                                      float(rng.uniform(12, 50)), random_facade(rng), facing_left=sign > 0))
            else:
                for k in range(int(length / 6)):
                    props.append(random_tree(rng, Placement(road, s + 6 * k, d), 1.6))
            s += length + float(rng.uniform(0, 10))
    return props


def random_world(rng: Dice, length: float = 210.0) -> World:
    road = random_road(rng, length)
    world = World(road, random_ground_look(rng), random_lighting(rng))
    for sign in SIDES:
        world.props += dress_side(rng, road, sign, -20.0, length)
    world.props += skyline(rng, road, -20.0, length + 60)
    for inter in road.intersections:
        world.props += intersection_props(rng, road, inter)
    return world
