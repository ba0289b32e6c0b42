"""What the lens and sensor do to a clean render: texture grain, colour, vignetting, blur, noise.

Only the image changes; the label map stays exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from .classes import Cls, NUM_CLASSES
from .dice import Dice
from .textures import screen_noise

F32 = np.float32

# how strongly surface grain shows, per class: foliage and grass are busy, sky and paint smooth
GRAIN = np.zeros(256, F32)
GRAIN[:NUM_CLASSES] = 0.05
GRAIN[[Cls.VEGETATION, Cls.TERRAIN]] = 0.16
GRAIN[[Cls.SKY, Cls.TRAFFIC_LIGHT, Cls.TRAFFIC_SIGN]] = 0.015
GRAIN[[Cls.WALL, Cls.BUILDING]] = 0.07
SPECKLE = np.zeros(256, F32)
SPECKLE[[Cls.VEGETATION]] = 0.22
SPECKLE[[Cls.TERRAIN]] = 0.1


@dataclass(frozen=True)
class Photometric:
    gains: tuple[float, float, float]  # white balance, BGR
    saturation: float
    brightness: float
    contrast: float
    gamma: float
    vignette: float
    blur_sigma: float
    motion_blur: int  # horizontal kernel length in pixels at 512 wide, 0 for none
    noise_sigma: float
    jpeg_quality: int  # 0: no recompression
    grain_offset: tuple[int, int]


def random_photometric(rng: Dice, allow_jpeg: bool = True) -> Photometric:
    gains = rng.uniform(0.9, 1.1, 3)
    return Photometric(
        gains=(float(gains[0]), float(gains[1]), float(gains[2])),
        saturation=float(rng.uniform(0.65, 1.25)),
        brightness=float(rng.uniform(0.75, 1.2)),
        contrast=float(rng.uniform(0.8, 1.2)),
        gamma=float(rng.uniform(0.8, 1.25)),
        vignette=float(rng.uniform(0.0, 0.45)),
        blur_sigma=float(rng.uniform(0.0, 1.3)),
        motion_blur=int(rng.integers(3, 8)) if rng.random() < 0.15 else 0,
        noise_sigma=float(rng.uniform(0.5, 7.0)),
        jpeg_quality=int(rng.integers(35, 90)) if allow_jpeg and rng.random() < 0.3 else 0,
        grain_offset=(int(rng.integers(256)), int(rng.integers(256))),
    )


@lru_cache(maxsize=8)
def _radial(height: int, width: int) -> np.ndarray:
    y = (np.arange(height, dtype=F32) - height / 2) / (height / 2)
    x = (np.arange(width, dtype=F32) - width / 2) / (width / 2)
    return (x[None, :] ** 2 * 0.7 + y[:, None] ** 2 * 0.5).astype(F32)


@lru_cache(maxsize=4)
def _sensor_noise(height: int, width: int) -> np.ndarray:
    rng = np.random.default_rng(7)
    return rng.standard_normal((height + 64, width + 64, 3)).astype(F32)


@lru_cache(maxsize=64)
def _tone_curve(brightness: float, contrast: float, gamma: float) -> np.ndarray:
    x = np.arange(256, dtype=np.float64) / 255
    y = ((x * brightness - 0.5) * contrast + 0.5).clip(0, 1) ** gamma
    return (y * 255).round().astype(np.uint8)


def degrade(image: np.ndarray, labels: np.ndarray, p: Photometric, frame_index: int = 0) -> np.ndarray:
    """The degraded copy of `image`; frame_index varies the sensor noise along a video."""
    h, w = labels.shape
    scale = max(1, round(w / 512))
    grain = screen_noise("fine", h, w, p.grain_offset, scale)
    speckle = screen_noise("grass", h, w, p.grain_offset[::-1], 2 * scale)
    factor = 1 + GRAIN.take(labels) * grain + SPECKLE.take(labels) * speckle
    if p.vignette:
        factor *= 1 - F32(p.vignette) * _radial(h, w)
    img = cv2.multiply(image.astype(F32), cv2.merge([factor * F32(g) for g in p.gains]))
    if p.saturation != 1.0:  # mix with the luminance
        grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        img = cv2.addWeighted(img, p.saturation, cv2.merge([grey, grey, grey]), 1 - p.saturation, 0.0)
    out = cv2.LUT(cv2.convertScaleAbs(img), _tone_curve(round(p.brightness, 3), round(p.contrast, 3),
                                                          round(p.gamma, 3)))
    if p.blur_sigma > 0.25:
        out = cv2.GaussianBlur(out, (0, 0), p.blur_sigma * scale)
    if p.motion_blur:
        k = p.motion_blur * scale
        out = cv2.filter2D(out, -1, np.full((1, k), 1.0 / k, F32))
    noise = _sensor_noise(h, w)
    oy, ox = (37 * frame_index + p.grain_offset[0]) % 64, (53 * frame_index + p.grain_offset[1]) % 64
    out = cv2.convertScaleAbs(cv2.scaleAdd(noise[oy:oy + h, ox:ox + w], p.noise_sigma, out.astype(F32)))
    if p.jpeg_quality:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, p.jpeg_quality])
        if ok:
            out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return out
