"""Tileable noise, made once per process from fixed seeds so every render is reproducible."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

TILE = 256
MASK = TILE - 1


@lru_cache(maxsize=None)
def noise_tile(kind: str) -> np.ndarray:
    """A periodic TILE x TILE float32 field with zero mean and unit std.

    kind: "fine" (grain), "coarse" (blotches), "cloud" (soft fractal) or "grass" (streaky grain).
    """
    exponents = {"fine": 0.6, "coarse": 2.4, "cloud": 1.8, "grass": 1.0}
    rng = np.random.default_rng(sorted(exponents).index(kind) + 1000)
    white = rng.standard_normal((TILE, TILE))
    fy = np.fft.fftfreq(TILE)[:, None]
    fx = np.fft.fftfreq(TILE)[None, :]
    if kind == "grass":
        fy = fy * 0.35  # elongated blades: stretched along one axis
    radius = np.sqrt(fx * fx + fy * fy)
    radius[0, 0] = 1.0
    spectrum = np.fft.fft2(white) / radius ** exponents[kind]
    spectrum[0, 0] = 0.0
    field = np.real(np.fft.ifft2(spectrum))
    field = (field - field.mean()) / field.std()
    return field.astype(np.float32)


def sample(kind: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Nearest lookup of the tile at texel coordinates (u, v), wrapping around."""
    tile = noise_tile(kind).ravel()
    return tile.take((v.astype(np.int32) & MASK) * TILE + (u.astype(np.int32) & MASK))


@lru_cache(maxsize=None)
def _wall(kind: str, scale: int, height: int, width: int) -> np.ndarray:
    """The tile, each texel `scale` pixels wide, repeated to cover height x width plus one tile."""
    tile = noise_tile(kind)
    if scale > 1:
        tile = tile.repeat(scale, axis=0).repeat(scale, axis=1)
    size = tile.shape[0]
    return np.tile(tile, (height // size + 2, width // size + 2))


def screen_noise(kind: str, height: int, width: int, offset: tuple[int, int], scale: int = 1) -> np.ndarray:
    """The tile laid over the image, `scale` pixels per texel, shifted by `offset` texels (a view)."""
    wall = _wall(kind, scale, height, width)
    oy, ox = (offset[0] & MASK) * scale, (offset[1] & MASK) * scale
    return wall[oy:oy + height, ox:ox + width]
