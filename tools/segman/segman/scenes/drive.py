"""A scripted drive: one long street, the camera moving along it, and traffic that moves too.

The street has a signalled crossing with people on the crosswalk and a car crossing, a bus at a
stop, parked cars and a parked truck, oncoming traffic, a cyclist being overtaken, people on the sidewalks and a
left-hand curve. The scenery comes from the street generator with a fixed seed, so every frame
shows the same world.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .camera import Camera
from .dice import Dice
from .ground import random_ground_look
from .layout import SIDES, dress_side, intersection_props, skyline
from .lighting import Lighting
from .photometric import Photometric
from .placement import Placement
from .props.base import Prop
from .props.cycles import random_two_wheeler
from .props.people import random_outfit, random_person
from .props.vehicles import random_bus, random_car, random_truck
from .road import Intersection, Road, Side
from .world import World

SPEED = 9.0  # metres per second
CROSSING = Intersection(s=38.0, width=11.0, crosswalk=True)
BUS_STOP = 66.0
TRUCK_STOP = 92.0


@dataclass
class Drive:
    world: World
    camera_height: float
    hfov_deg: float
    lane_d: float
    photometric: Photometric

    def camera(self, t: float, width: int, height: int) -> Camera:
        s = SPEED * t
        road = self.world.road
        frame = road.frame(s, self.lane_d)
        look_ahead = road.heading(s + 6.0)  # drivers look into the curve
        bob = 0.004 * math.sin(2 * math.pi * 1.3 * t)
        return Camera.from_hfov(frame.x, self.camera_height + 0.01 * math.sin(2 * math.pi * 1.7 * t), frame.z,
                                0.6 * frame.heading + 0.4 * look_ahead, 0.025 + bob, 0.0, self.hfov_deg,
                                width, height)


def drive_world(seed: int, duration: float) -> Drive:
    rng = Dice(seed)
    length = SPEED * duration + 340
    lane_width = 3.3
    road = Road(lane_width,
                right=Side(2, 2.2, 0.25, 0.0, 3.5, False),
                left=Side(1, 2.2, 0.25, 1.5, 3.0, True),
                tram=False, curvature=[(95.0, 175.0, -1 / 85)], intersections=[CROSSING], s_max=length + 100)
    sun_elevation, sun_azimuth = 0.7, 2.3
    light = Lighting(sun=np.array([math.cos(sun_elevation) * math.sin(sun_azimuth), math.sin(sun_elevation),
                                   math.cos(sun_elevation) * math.cos(sun_azimuth)]),
                     sun_strength=0.55, ambient=0.55, tint=np.array([1.0, 1.0, 1.02]),
                     sky_top=np.array([205.0, 140.0, 75.0]), sky_horizon=np.array([235.0, 222.0, 205.0]),
                     cloudiness=0.35, haze=0.003)
    world = World(road, random_ground_look(rng), light)
    for sign in SIDES:
        world.props += dress_side(rng, road, sign, -20.0, length)
    world.props += skyline(rng, road, -20.0, length + 60)
    world.props += intersection_props(Dice(seed + 1), road, CROSSING, signal=2, busy=False)
    world.props += _traffic(rng, road, length)
    photometric = Photometric(gains=(1.0, 1.0, 1.0), saturation=1.05, brightness=1.0, contrast=1.05,
                              gamma=1.0, vignette=0.25, blur_sigma=0.5, motion_blur=0, noise_sigma=1.2,
                              jpeg_quality=0, grain_offset=(17, 101))
    return Drive(world, camera_height=1.45, hfov_deg=68.0, lane_d=road.lane_centre(0), photometric=photometric)


def _traffic(rng: Dice, road: Road, length: float) -> list[Prop]:
    lw = road.lane_width
    props: list[Prop] = []
    # parked cars along both parking strips, leaving the crossing and the bus stop clear
    for sign in SIDES:
        d = sign * ((road.side(sign).lanes * lw) + 1.1)
        s = -10.0
        while s < length * 0.6:
            clear = not (CROSSING.s - 9 < s < CROSSING.s + CROSSING.width + 3)
            clear &= not (sign > 0 and (BUS_STOP - 14 < s < BUS_STOP + 10 or TRUCK_STOP - 7 < s < TRUCK_STOP + 6))
            if clear and rng.random() < 0.75:
                props.append(random_car(rng, Placement(road, s + 2.3, d, 0.0 if sign > 0 else math.pi)))
            s += float(rng.uniform(5.2, 8.5))
    # oncoming traffic in the left lane
    for s in (60.0, 95.0, 125.0, 180.0, 230.0, 290.0):
        props.append(random_car(rng, Placement(road, s, road.lane_centre(-1), math.pi, -10.0)))
    # a car pulling away in our lane, and a delivery truck parked on the right
    props.append(random_car(rng, Placement(road, 30.0, road.lane_centre(0), 0.0, 10.5)))
    props.append(random_truck(rng, Placement(road, TRUCK_STOP, road.right.lanes * lw + 1.2)))
    # a bus at the stop on the outer lane, people waiting beside it
    props.append(random_bus(rng, Placement(road, BUS_STOP, road.lane_centre(1) + 0.3)))
    walk = road.right.sidewalk_start(lw)
    for k in range(4):
        props.append(random_person(rng, Placement(road, BUS_STOP - 4 + 2.2 * k, walk + 1.0 + 0.4 * (k % 2),
                                                  -math.pi / 2)))
    # people walking both ways on both sidewalks
    for sign, count in ((1.0, 12), (-1.0, 8)):
        side = road.side(sign)
        for _ in range(count):
            d = sign * (side.sidewalk_start(lw) + float(rng.uniform(0.5, side.sidewalk - 0.5)))
            towards = rng.random() < 0.5
            speed = float(rng.uniform(1.1, 1.5))
            props.append(random_person(rng, Placement(road, float(rng.uniform(15, 160)), d,
                                                      math.pi if towards else 0.0, -speed if towards else speed)))
    # a cyclist on the right edge, overtaken on the way to the crossing
    props.append(random_two_wheeler(rng, Placement(road, 12.0, road.lane_centre(1) + 0.9, 0.0, 4.5),
                                    motor=False, rider=random_outfit(rng, helmet=True)))
    # a motorcycle coming towards us
    props.append(random_two_wheeler(rng, Placement(road, 150.0, road.lane_centre(-1) - 0.5, math.pi, -11.0),
                                    motor=True, rider=random_outfit(rng, helmet=True)))
    # cross traffic and people on the crossing's crosswalks
    mid = CROSSING.s + CROSSING.width * 0.3
    props.append(random_car(rng, Placement(road, mid, -18.0, math.pi / 2, 0.0, 7.0)))
    # one person finishing the crossing ahead of us, three crossing the side road
    props.append(random_person(rng, Placement(road, CROSSING.s - 2.6, 5.0, math.pi / 2, 0.0, 1.4)))
    edge_r, edge_l = road.edge(True), road.edge(False)
    for s0, d0, v in ((CROSSING.s + 0.8, edge_r + 2.0, 1.2), (CROSSING.s + CROSSING.width - 1.0, edge_r + 3.0, -1.3),
                      (CROSSING.s + 2.5, -edge_l - 2.2, 1.1)):
        props.append(random_person(rng, Placement(road, s0, d0, 0.0 if v > 0 else math.pi, v)))
    return props
