"""Scene illumination: a sun (direction, strength), ambient light and a colour cast."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .dice import Dice


@dataclass(frozen=True)
class Lighting:
    sun: np.ndarray  # unit vector towards the sun, world coordinates
    sun_strength: float
    ambient: float
    tint: np.ndarray  # BGR multipliers
    sky_top: np.ndarray  # BGR
    sky_horizon: np.ndarray  # BGR
    cloudiness: float
    haze: float  # per metre, for aerial perspective

    def shade(self, normal: np.ndarray) -> float:
        return self.ambient + self.sun_strength * max(0.0, float(normal @ self.sun))

    def lit(self, colour: np.ndarray | tuple, normal: np.ndarray) -> np.ndarray:
        return np.asarray(colour, dtype=np.float64) * self.tint * self.shade(normal)


def random_lighting(rng: Dice) -> Lighting:
    mood = rng.choice(["sunny", "overcast", "dusk", "hazy"], p=[0.45, 0.3, 0.12, 0.13])
    azimuth = rng.uniform(0, 2 * math.pi)
    if mood == "sunny":
        elevation = rng.uniform(0.35, 1.1)
        sun_strength, ambient = rng.uniform(0.45, 0.7), rng.uniform(0.45, 0.6)
        tint = np.array([1.0, 1.0, 1.0]) + rng.uniform(-0.05, 0.05, 3)
        top, horizon = (rng.uniform([170, 100, 40], [230, 160, 90]),
                        rng.uniform([220, 200, 170], [250, 235, 215]))
        cloudiness, haze = rng.uniform(0.0, 0.5), rng.uniform(0.001, 0.004)
    elif mood == "overcast":
        elevation = rng.uniform(0.4, 1.2)
        sun_strength, ambient = rng.uniform(0.05, 0.2), rng.uniform(0.7, 0.9)
        tint = np.array([1.03, 1.0, 0.97]) + rng.uniform(-0.04, 0.04, 3)
        grey = rng.uniform(150, 215)
        top = np.array([grey + 10, grey + 5, grey]) * rng.uniform(0.85, 1.0)
        horizon = np.array([grey + 25, grey + 22, grey + 20]).clip(0, 250)
        cloudiness, haze = rng.uniform(0.5, 1.0), rng.uniform(0.003, 0.008)
    elif mood == "dusk":
        elevation = rng.uniform(0.05, 0.25)
        sun_strength, ambient = rng.uniform(0.35, 0.6), rng.uniform(0.35, 0.5)
        tint = np.array([0.8, 0.92, 1.12]) + rng.uniform(-0.05, 0.05, 3)
        top = rng.uniform([120, 70, 50], [170, 110, 90])
        horizon = rng.uniform([90, 150, 220], [150, 190, 250])
        cloudiness, haze = rng.uniform(0.1, 0.6), rng.uniform(0.003, 0.006)
    else:  # hazy
        elevation = rng.uniform(0.3, 1.0)
        sun_strength, ambient = rng.uniform(0.25, 0.45), rng.uniform(0.6, 0.75)
        tint = np.array([0.97, 1.0, 1.04]) + rng.uniform(-0.04, 0.04, 3)
        top = rng.uniform([180, 160, 130], [215, 200, 180])
        horizon = rng.uniform([215, 215, 210], [240, 240, 238])
        cloudiness, haze = rng.uniform(0.2, 0.7), rng.uniform(0.008, 0.015)
    sun = np.array([math.cos(elevation) * math.sin(azimuth), math.sin(elevation),
                    math.cos(elevation) * math.cos(azimuth)])
    return Lighting(sun, float(sun_strength), float(ambient), tint, np.asarray(top, float),
                    np.asarray(horizon, float), float(cloudiness), float(haze))
