"""Per-pixel ground and sky: each pixel's ray meets the ground plane or the sky.

Ground pixels are classified from their road coordinates (s, d) and textured in those world
coordinates, so markings, pavers and grass stay put on the ground as the camera moves. The maths
is whole-array arithmetic and table look-ups (no boolean gathers), which keeps a frame cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .camera import Camera
from .classes import Cls
from .dice import Dice
from .lighting import Lighting
from .road import Road
from .textures import sample

F32 = np.float32


@dataclass(frozen=True)
class GroundLook:
    asphalt: np.ndarray  # BGR
    asphalt_patchiness: float
    paint: np.ndarray
    curb: np.ndarray
    sidewalk: np.ndarray
    tile: float  # paver size in metres
    grass: np.ndarray
    behind: np.ndarray  # paving behind a sidewalk (forecourts, plazas)
    double_centre_line: bool
    dash: tuple[float, float]  # dash length, period


def random_ground_look(rng: Dice) -> GroundLook:
    grey = rng.uniform(55, 115)
    asphalt = np.array([grey + rng.uniform(-3, 8), grey + rng.uniform(-3, 4), grey + rng.uniform(-6, 3)])
    paver_kind = rng.integers(3)
    if paver_kind == 0:  # grey concrete
        g = rng.uniform(120, 185)
        sidewalk = np.array([g, g + rng.uniform(-4, 4), g + rng.uniform(-6, 6)])
    elif paver_kind == 1:  # red brick pavers
        sidewalk = rng.uniform([70, 80, 120], [110, 115, 170])
    else:  # beige stone
        sidewalk = rng.uniform([120, 145, 160], [160, 180, 200])
    dash_len = rng.uniform(2.0, 4.0)
    white = rng.uniform(195, 235)
    paint = np.array([white, white, white]) + rng.uniform(-4, 4, 3)
    if rng.random() < 0.15:  # worn yellowish paint
        paint[0] -= rng.uniform(40, 80)
    return GroundLook(
        asphalt=asphalt,
        asphalt_patchiness=float(rng.uniform(0.03, 0.12)),
        paint=paint,
        curb=rng.uniform([150, 150, 150], [200, 200, 200]),
        sidewalk=sidewalk,
        tile=float(rng.choice([0.3, 0.4, 0.5, 0.8, 1.2])),
        grass=rng.uniform([30, 95, 60], [75, 150, 125]),
        behind=sidewalk * rng.uniform(0.8, 1.1),
        double_centre_line=bool(rng.random() < 0.4),
        dash=(float(dash_len), float(dash_len * rng.uniform(2.0, 4.0))),
    )


def _frac(x: np.ndarray) -> np.ndarray:
    return x - np.floor(x)


def _near(x: np.ndarray, centre: float, half_width: float) -> np.ndarray:
    return np.abs(x - F32(centre)) < half_width


# ground zones from the centre line outwards; the zone index also picks colours and labels
ROAD, CURB, VERGE, WALK, BEHIND = range(5)


def paint_ground_and_sky(camera: Camera, road: Road, look: GroundLook, light: Lighting,
                         image: np.ndarray, labels: np.ndarray) -> None:
    h, w = labels.shape
    rot = camera.rotation.astype(F32)
    u = (np.arange(w, dtype=F32) + 0.5 - camera.cx) / F32(camera.focal)
    v = (np.arange(h, dtype=F32) + 0.5 - camera.cy) / F32(camera.focal)
    ray_y = np.add.outer(v * rot[1, 1] + rot[2, 1], u * rot[0, 1])
    ground = ray_y < -1e-4
    rows = np.flatnonzero(ground.any(axis=1))
    sky_rows = np.flatnonzero((~ground).any(axis=1))
    if len(sky_rows):
        _paint_sky(camera, light, image, labels, int(sky_rows[-1]) + 1, ~ground)
    if not len(rows):
        return
    r0 = int(rows[0])
    band = ground[r0:]
    vb = v[r0:]
    t = F32(camera.height) / np.maximum(-ray_y[r0:], F32(1e-4))
    x = F32(camera.x) + t * np.add.outer(vb * rot[1, 0] + rot[2, 0], u * rot[0, 0])
    z = F32(camera.z) + t * np.add.outer(vb * rot[1, 2] + rot[2, 2], u * rot[0, 2])
    s, d = road.to_road(x.ravel(), z.ravel())
    s = s.astype(F32).reshape(t.shape)
    d = d.astype(F32).reshape(t.shape)

    lab, colour = _ground_surface(road, look, s, d, t)
    shade = light.ambient + light.sun_strength * max(0.0, float(light.sun[1]))
    gain = (light.tint * shade).astype(F32)
    fog = 1.0 - np.exp(-F32(light.haze) * t)
    channels = [c * F32(gain[i]) * (1 - fog) + F32(light.sky_horizon[i]) * fog
                for i, c in enumerate(colour)]
    mask = band.astype(np.uint8)
    cv2.copyTo(cv2.convertScaleAbs(cv2.merge(channels)), mask, image[r0:])
    cv2.copyTo(lab, mask, labels[r0:])


def _ground_surface(road: Road, look: GroundLook, s: np.ndarray, d: np.ndarray,
                    t: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    lw = road.lane_width
    right = d >= 0
    ad = np.abs(d)
    r, l = road.right, road.left
    zone = np.zeros(s.shape, np.uint8)
    for a, b in ((r.road_edge(lw), l.road_edge(lw)),
                 (r.road_edge(lw) + r.curb, l.road_edge(lw) + l.curb),
                 (r.sidewalk_start(lw), l.sidewalk_start(lw)),
                 (r.frontage(lw), l.frontage(lw))):
        zone += ad >= np.where(right, F32(a), F32(b))
    crossing = np.zeros(s.shape, bool)
    for inter in road.intersections:
        crossing |= (s >= inter.s) & (s <= inter.s + inter.width)
    zone *= ~crossing
    # side-specific index: zones 0..4 on the left, 5..9 on the right
    key = zone + right.astype(np.uint8) * 5

    behind_label = [Cls.TERRAIN if side.setback_terrain else Cls.SIDEWALK for side in (l, r)]
    label_lut = np.array([[Cls.ROAD, Cls.SIDEWALK, Cls.TERRAIN, Cls.SIDEWALK, behind_label[i]]
                          for i in range(2)], np.uint8).ravel()
    lab = label_lut.take(key)

    behind_colour = [look.grass if side.setback_terrain else look.behind for side in (l, r)]
    colour_lut = np.stack([np.stack([look.asphalt, look.curb, look.grass, look.sidewalk,
                                     behind_colour[i]]) for i in range(2)]).reshape(10, 3).astype(F32)
    grassy = np.array([0, 0, 1, 0, float(l.setback_terrain), 0, 0, 1, 0, float(r.setback_terrain)], F32)
    paved = np.array([0, 0, 0, 1, float(not l.setback_terrain), 0, 0, 0, 1, float(not r.setback_terrain)], F32)
    patchy = np.array([look.asphalt_patchiness, 0.04, 0.3, 0.06, 0.08] * 2, F32)

    coarse = sample("coarse", s * 3, d * 3)
    grass = sample("grass", s * 30, d * 30) * np.clip(F32(12.0) / t, 0.1, 1.0)
    tile_inv = F32(1.0 / look.tile)
    joint = ((_frac(s * tile_inv) < 0.06) | (_frac(d * tile_inv) < 0.06)) & (t < 40)
    modulation = (1 + patchy.take(key) * coarse + F32(0.22) * grassy.take(key) * grass
                  - F32(0.22) * paved.take(key) * joint)

    paint = _markings(road, look, s, d, ad, zone == ROAD, crossing).astype(F32)
    wear = np.clip(0.85 + 0.1 * coarse, 0, 1) * paint
    channels = []
    for c in range(3):
        base = colour_lut[:, c].take(key) * modulation
        channels.append(base + (F32(look.paint[c]) * wear - base) * paint)
    if road.tram:
        _rails(road, d, zone == ROAD, channels)
    return lab, channels


def _markings(road: Road, look: GroundLook, s: np.ndarray, d: np.ndarray, ad: np.ndarray,
              on_road: np.ndarray, crossing: np.ndarray) -> np.ndarray:
    lw = road.lane_width
    dash_len, period = look.dash
    dashed = _frac(s * F32(1 / period)) < dash_len / period
    paint = np.zeros(s.shape, bool)
    for side, mine in ((road.right, d > 0), (road.left, d < 0)):
        for k in range(1, side.lanes):
            paint |= mine & dashed & _near(ad, k * lw, 0.07)
        if side.lanes:  # solid edge line (also marks off a parking strip)
            paint |= mine & _near(ad, side.lanes * lw - 0.2, 0.07)
    if road.left.lanes and road.right.lanes:
        if look.double_centre_line:
            paint |= _near(ad, 0.12, 0.06)
        else:
            paint |= _near(d, 0.0, 0.08) & (dashed | (road.left.lanes + road.right.lanes > 2))
    paint &= ~crossing
    edge_r, edge_l = road.edge(True), road.edge(False)
    stripes_d = _frac(d) < 0.5
    stripes_s = _frac(s) < 0.5
    for inter in road.intersections:
        if not inter.crosswalk:
            continue
        zebra = (s > inter.s - 4.5) & (s < inter.s - 0.8) & stripes_d
        stop = (s > inter.s - 6.0) & (s < inter.s - 5.5) & (d > 0)
        paint |= (zebra | stop) & (d < edge_r) & (d > -edge_l)
        side_zebra = crossing & stripes_s & (s > inter.s + 0.8) & (s < inter.s + inter.width - 0.8)
        side_zebra &= (((d > edge_r + 0.8) & (d < edge_r + 4.0))
                       | ((d < -edge_l - 0.8) & (d > -edge_l - 4.0)))
        paint |= side_zebra
    return paint & on_road


def _rails(road: Road, d: np.ndarray, on_road: np.ndarray, channels: list[np.ndarray]) -> None:
    half_gauge = 0.72
    groove = np.zeros(d.shape, bool)
    steel = np.zeros(d.shape, bool)
    for track in (road.lane_width * 0.5, -road.lane_width * 0.5):
        for rail in (track - half_gauge, track + half_gauge):
            groove |= _near(d, rail + 0.05, 0.03)
            steel |= _near(d, rail - 0.02, 0.035)
    darken = 1 - F32(0.55) * (groove & on_road)
    shine = (steel & on_road).astype(F32)
    for i, c in enumerate(channels):
        channels[i] = c * darken * (1 - shine) + F32((150, 150, 155)[i]) * shine


def _paint_sky(camera: Camera, light: Lighting, image: np.ndarray, labels: np.ndarray,
               rows: int, sky: np.ndarray) -> None:
    """The sky at quarter resolution (it is smooth), scaled up, over the top `rows` rows."""
    h, w = labels.shape
    step = 4
    rot = camera.rotation
    u = (np.arange(0, w, step) + step / 2 - camera.cx) / camera.focal
    v = (np.arange(0, rows, step) + step / 2 - camera.cy) / camera.focal
    r = (u[None, :, None] * rot[0] + v[:, None, None] * rot[1] + rot[2])
    r /= np.linalg.norm(r, axis=2, keepdims=True)
    elevation = np.arcsin(np.clip(r[..., 1], -1, 1))
    azimuth = np.arctan2(r[..., 0], r[..., 2])
    mix = (np.clip(elevation / 0.7, 0, 1) ** 0.6)[..., None]
    colour = light.sky_horizon * (1 - mix) + light.sky_top * mix
    if light.cloudiness > 0.05:
        clouds = sample("cloud", azimuth * 90, np.maximum(elevation, 0) * 260 + 40)
        cover = np.clip((clouds - (1.2 - 1.6 * light.cloudiness)) * 0.8, 0, 1)[..., None]
        colour = colour * (1 - cover) + (light.sky_horizon * 0.95 + 12) * cover
    glow = (np.clip((r @ light.sun - 0.97) / 0.03, 0, 1) ** 2 * light.sun_strength)[..., None]
    colour = colour + (255 - colour) * glow
    small = np.clip(colour, 0, 255).astype(np.uint8)
    full = cv2.resize(small, (w, rows), interpolation=cv2.INTER_LINEAR)
    mask = sky[:rows].astype(np.uint8)
    cv2.copyTo(full, mask, image[:rows])
    labels[:rows][sky[:rows]] = Cls.SKY
