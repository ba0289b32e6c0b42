"""One random dash-cam frame per seed: `render_scene(seed, height, width)`."""

from __future__ import annotations

import numpy as np

from .camera import Camera
from .dice import Dice
from .layout import random_world, traffic
from .photometric import Photometric, degrade, random_photometric
from .world import World


def random_view(seed: int, height: int, width: int) -> tuple[World, Camera, Photometric]:
    """The world, camera and photometric settings of a seed (the same scene at any size)."""
    rng = Dice(seed)
    world = random_world(rng)
    road = world.road
    lane = int(rng.integers(road.right.lanes))
    d = road.lane_centre(lane) + float(rng.uniform(-0.3, 0.3))
    world.props += traffic(rng, road, d, 0.0, 160.0)
    frame = road.frame(0.0, d)
    camera = Camera.from_hfov(
        x=frame.x, height=float(rng.uniform(1.2, 1.7)), z=frame.z,
        yaw=frame.heading + float(rng.uniform(-0.05, 0.05)),
        pitch=float(rng.uniform(-0.02, 0.06)), roll=float(rng.uniform(-0.02, 0.02)),
        hfov_deg=float(rng.uniform(55, 85)), width=width, height_px=height)
    return world, camera, random_photometric(rng)


def render_scene(seed: int, height: int = 256, width: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """(BGR uint8 HxWx3 image, uint8 HxW trainId labels) of the scene with this seed."""
    world, camera, photometric = random_view(seed, height, width)
    image, labels = world.render(camera)
    return degrade(image, labels, photometric), labels


def clean_render(seed: int, height: int = 256, width: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """The same scene without lens and sensor effects (for inspection)."""
    world, camera, _ = random_view(seed, height, width)
    return world.render(camera)

