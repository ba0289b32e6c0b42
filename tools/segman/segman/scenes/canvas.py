"""Image and label map painted together from the same projected geometry.

Every primitive rasterises one pixel set and writes it to both the image (a shaded colour) and the
label map (a trainId), so the labels are exact by construction. Painter's order (far to near) is
the caller's job.

Primitives are recorded in a display list and projected together in `flush`: at about a thousand
primitives a frame, projecting and shading them one at a time would be dominated by numpy's
per-call overhead on tiny arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from .camera import NEAR, Camera
from .frame import Frame
from .lighting import Lighting

SHIFT = 2  # sub-pixel bits handed to OpenCV
SCALE = 1 << SHIFT
GUARD = 2  # polygons are clipped to a frame GUARD image sizes around the view
THIN = 0.75  # rods narrower than this half-width (pixels) are drawn as 1-pixel lines

# box faces as corner indices, (bottom-left, bottom-right, top-right, top-left) seen from outside
FACE_NAMES = ("back", "front", "left", "right", "top")
FACE_INDEX = np.array([(3, 0, 4, 7), (1, 2, 6, 5), (0, 1, 5, 4), (2, 3, 7, 6), (4, 5, 6, 7)])
FACE_ANCHOR = FACE_INDEX[:, 0]

POLY, ROD, BLOB, POLYS = 0, 1, 2, 3  # POLYS: several disjoint polygons of one colour


@dataclass
class _Item:
    kind: int
    label: int
    colour: tuple | None  # final colour, or None to shade `base` with `normal`
    base: tuple | None
    normal: tuple | None
    points: np.ndarray  # polygon corners (K,3); rod ends (2,3); blob centre (1,3); POLYS (N*K,3)
    size: float = 0.0  # rod or blob radius (metres)
    squash: float = 1.0  # blob height / width
    corners: int = 0  # POLYS: corners per polygon


def _clip_near(cam_pts: np.ndarray) -> np.ndarray:
    """Sutherland-Hodgman against the plane z = NEAR (camera coordinates)."""
    inside = cam_pts[:, 2] >= NEAR
    if inside.all():
        return cam_pts
    if not inside.any():
        return cam_pts[:0]
    out = []
    n = len(cam_pts)
    for i in range(n):
        a, b = cam_pts[i], cam_pts[(i + 1) % n]
        a_in, b_in = inside[i], inside[(i + 1) % n]
        if a_in:
            out.append(a)
        if a_in != b_in:
            t = (NEAR - a[2]) / (b[2] - a[2])
            out.append(a + t * (b - a))
    return np.array(out)


def _clip_rect(pts: np.ndarray, lo: tuple[float, float], hi: tuple[float, float]) -> np.ndarray:
    """Sutherland-Hodgman of a 2-D polygon against an axis-aligned rectangle."""
    for axis in (0, 1):
        for bound, keep_above in ((lo[axis], True), (hi[axis], False)):
            if len(pts) == 0:
                return pts
            side = pts[:, axis] >= bound if keep_above else pts[:, axis] <= bound
            if side.all():
                continue
            out = []
            n = len(pts)
            for i in range(n):
                a, b = pts[i], pts[(i + 1) % n]
                if side[i]:
                    out.append(a)
                if side[i] != side[(i + 1) % n]:
                    t = (bound - a[axis]) / (b[axis] - a[axis])
                    out.append(a + t * (b - a))
            pts = np.array(out) if out else pts[:0]
    return pts


def _cross(a, b) -> tuple[float, float, float]:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


class Canvas:
    def __init__(self, camera: Camera, light: Lighting, image: np.ndarray, labels: np.ndarray):
        self.camera = camera
        self.light = light
        self.image = image
        self.labels = labels
        h, w = labels.shape
        self.height, self.width = h, w
        self._lo = (-GUARD * w, -GUARD * h)
        self._hi = ((GUARD + 1) * w, (GUARD + 1) * h)
        self._rot_t = camera.rotation.T.copy()
        self._centre = camera.centre
        self._c = tuple(float(v) for v in camera.centre)
        self._rows = tuple(tuple(float(v) for v in row) for row in camera.rotation)
        self._fwd = self._rows[2]
        self.focal = float(camera.focal)
        self._pp = np.array([camera.cx, camera.cy])
        self._sun = tuple(float(v) for v in light.sun)
        self._items: list[_Item] = []
        self._shadows: list[tuple[np.ndarray, float]] = []

    # ---- queries (immediate) ------------------------------------------------------------------
    def colour(self, base, normal, depth: float) -> tuple[float, float, float]:
        """Shaded, tinted and hazed BGR colour of a surface seen at `depth` metres."""
        light = self.light
        shade = 1.0
        if normal is not None:
            lit = normal[0] * self._sun[0] + normal[1] * self._sun[1] + normal[2] * self._sun[2]
            shade = light.ambient + light.sun_strength * (lit if lit > 0 else 0.0)
        fog = 1.0 - math.exp(-light.haze * (depth if depth > 0 else 0.0))
        keep = shade * (1 - fog)
        b, g, r = (min(255.0, max(0.0, float(base[i]) * float(light.tint[i]) * keep
                                   + float(light.sky_horizon[i]) * fog)) for i in range(3))
        return (b, g, r)

    def depth(self, p) -> float:
        c, r = self._c, self._fwd
        return (p[0] - c[0]) * r[0] + (p[1] - c[1]) * r[1] + (p[2] - c[2]) * r[2]

    def point(self, p) -> tuple[float, float, float]:
        """One world point to (u, v, depth); u and v are meaningless unless depth > 0."""
        c, (r0, r1, r2) = self._c, self._rows
        dx, dy, dz = p[0] - c[0], p[1] - c[1], p[2] - c[2]
        z = dx * r2[0] + dy * r2[1] + dz * r2[2]
        k = self.focal / z if z > 1e-6 else 0.0
        return ((dx * r0[0] + dy * r0[1] + dz * r0[2]) * k + self.width / 2,
                (dx * r1[0] + dy * r1[1] + dz * r1[2]) * k + self.height / 2, z)

    def mean_depth(self, points: np.ndarray) -> float:
        """Mean depth of a few world points (a face's corners)."""
        c, r = self._c, self._fwd
        total = 0.0
        for x, y, z in points.tolist():
            total += (x - c[0]) * r[0] + (y - c[1]) * r[1] + (z - c[2]) * r[2]
        return total / len(points)

    def pixels(self, metres: float, depth: float) -> float:
        """Projected size in pixels of `metres` at `depth`."""
        return metres * self.focal / max(depth, NEAR)

    def facing(self, world_pts: np.ndarray, normal) -> bool:
        p, c = world_pts[0], self._c
        return (c[0] - p[0]) * normal[0] + (c[1] - p[1]) * normal[1] + (c[2] - p[2]) * normal[2] > 0

    def to_camera(self, world_pts: np.ndarray) -> np.ndarray:
        return (world_pts - self._centre) @ self._rot_t

    # ---- recorded primitives ------------------------------------------------------------------
    def fill(self, world_pts: np.ndarray, colour, label: int) -> None:
        """A polygon in a final colour (already shaded, or emissive)."""
        self._items.append(_Item(POLY, int(label), tuple(colour), None, None, np.asarray(world_pts, float)))

    def fill_many(self, polys: np.ndarray, colour, label: int) -> None:
        """Disjoint polygons (N,K,3) in one final colour, rasterised in one call (OpenCV fills
        several polygons even-odd, so they must not overlap)."""
        if len(polys):
            n, k, _ = polys.shape
            self._items.append(_Item(POLYS, int(label), tuple(colour), None, None, polys.reshape(n * k, 3),
                                     corners=k))

    def face(self, world_pts: np.ndarray, normal, base, label: int, cull: bool = True) -> bool:
        """A flat polygon shaded by its normal; back faces are skipped when `cull`."""
        if cull and not self.facing(world_pts, normal):
            return False
        self._items.append(_Item(POLY, int(label), None, tuple(base), tuple(normal),
                                 np.asarray(world_pts, float)))
        return True

    def line(self, a, b, radius: float, base, label: int, normal=None) -> None:
        """A rod of `radius` metres from a to b; it narrows with distance like the real thing."""
        self._items.append(_Item(ROD, int(label), None, tuple(base), None if normal is None else tuple(normal),
                                 np.stack([np.asarray(a, float), np.asarray(b, float)]), radius))

    def rods(self, segments: np.ndarray, radius: float, base, label: int) -> None:
        base = tuple(base)
        for seg in segments:
            self._items.append(_Item(ROD, int(label), None, base, None, seg, radius))

    def ring(self, centre: np.ndarray, axis_u: np.ndarray, axis_v: np.ndarray, radius: float,
             width: float, base, label: int, segments: int = 16) -> None:
        """A circle of rods (a wheel rim or tyre seen at any angle)."""
        pts = circle_points(centre, axis_u, axis_v, radius, segments)
        self.rods(np.stack([pts, np.concatenate([pts[1:], pts[:1]])], axis=1), width / 2, base, label)

    def disc(self, centre: np.ndarray, axis_u: np.ndarray, axis_v: np.ndarray, radius: float,
             base, label: int, segments: int = 16, normal=None, cull: bool = False) -> bool:
        pts = circle_points(centre, axis_u, axis_v, radius, segments)
        if normal is None:
            normal = _cross(axis_u, axis_v)
        return self.face(pts, normal, base, label, cull=cull)

    def blob(self, centre, radius: float, base, label: int, squash: float = 1.0) -> None:
        """A sphere-like blob (canopy, head) as a screen ellipse, lit from above and the sun."""
        sun = self._sun
        normal = (0.4 * sun[0], 0.6 + 0.4 * sun[1], 0.4 * sun[2])
        self._items.append(_Item(BLOB, int(label), None, tuple(base), normal,
                                 np.asarray(centre, float)[None], radius, squash))

    def box(self, frame: Frame, f0: float, f1: float, r0: float, r1: float, u0: float, u1: float,
            base, label: int, top=None, skip: tuple[str, ...] = (),
            taper: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> dict[str, np.ndarray]:
        """An oriented box in `frame` local metres; returns the camera-facing faces' corners.

        `taper` = (back, front, sides) insets of the top face, for cabins and roofs.
        Face corner order is (bottom-left, bottom-right, top-right, top-left) seen from outside,
        so face-local decals can be placed with `on_face`.
        """
        tb, tf, ts = taper
        local = np.array([
            [f0, r0, u0], [f1, r0, u0], [f1, r1, u0], [f0, r1, u0],
            [f0 + tb, r0 + ts, u1], [f1 - tf, r0 + ts, u1], [f1 - tf, r1 - ts, u1], [f0 + tb, r1 - ts, u1]])
        corners = frame.to_world(local)
        if tb == 0.0 and tf == 0.0 and ts == 0.0:
            normals = frame.face_normals
        else:  # sloped sides: each normal is perpendicular to the side's slope, in local axes
            h = u1 - u0
            local_normals = np.array([[-h, 0.0, tb], [h, 0.0, tf], [0.0, -h, ts], [0.0, h, ts], [0.0, 0.0, 1.0]])
            local_normals /= np.sqrt((local_normals ** 2).sum(axis=1, keepdims=True))
            normals = frame.rotate(local_normals)
        facing = ((self._centre - corners[FACE_ANCHOR]) * normals).sum(axis=1) > 1e-12
        visible = {}
        for i in np.flatnonzero(facing).tolist():
            name = FACE_NAMES[i]
            if name in skip:
                continue
            colour = top if (name == "top" and top is not None) else base
            face = corners[FACE_INDEX[i]]
            self._items.append(_Item(POLY, int(label), None, tuple(colour), tuple(normals[i].tolist()), face))
            visible[name] = face
        return visible

    # ---- immediate effects on what is painted so far -------------------------------------------
    def overlay(self, world_pts: np.ndarray, colour, alpha: float, label: int | None) -> None:
        """Blend a colour over what is already painted (wire mesh); relabel when label given."""
        self.flush()
        px = self._project_one(np.asarray(world_pts, float))
        if px is None:
            return
        self._blend(px, colour, alpha)
        if label is not None:
            cv2.fillPoly(self.labels, [px], int(label), cv2.LINE_8, SHIFT)

    def shadow(self, world_pts: np.ndarray, strength: float) -> None:
        """Darken a quad on the ground (image only; labels untouched). Applied by `cast_shadows`."""
        self._shadows.append((np.asarray(world_pts, float), strength))

    def cast_shadows(self) -> None:
        """Darken the image under every recorded shadow, later ones over earlier ones."""
        shadows, self._shadows = self._shadows, []
        if not shadows:
            return
        cam = self.to_camera(np.concatenate([pts for pts, _ in shadows])).reshape(-1, 4, 3)
        z = cam[:, :, 2]
        near_z = z.min(axis=1)
        px = cam[:, :, :2] * (self.focal / np.maximum(z, NEAR))[:, :, None] + self._pp
        darkness = np.zeros((self.height, self.width), np.uint8)
        for i, (pts, strength) in enumerate(shadows):
            if near_z[i] > 80:
                continue  # too far to matter
            poly = self._screen(px[i]) if near_z[i] >= NEAR else self._project_one(pts)
            if poly is not None:
                cv2.fillPoly(darkness, [poly], int(255 * min(strength, 1.0)), cv2.LINE_8, SHIFT)
        cv2.multiply(self.image, cv2.merge([255 - darkness] * 3), self.image, scale=1 / 255)

    def _blend(self, px: np.ndarray, colour, alpha: float) -> None:
        x0, y0 = np.maximum(px.min(axis=0) // SCALE - 1, 0)
        x1, y1 = np.minimum(px.max(axis=0) // SCALE + 2, (self.width, self.height))
        if x1 <= x0 or y1 <= y0:
            return
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(mask, [px - np.array([x0, y0]) * SCALE], 1, cv2.LINE_8, SHIFT)
        region = self.image[y0:y1, x0:x1]
        if any(colour):
            paint = np.empty_like(region)
            paint[:] = colour
            mixed = cv2.addWeighted(region, 1 - alpha, paint, alpha, 0.0)
        else:
            mixed = cv2.convertScaleAbs(region, alpha=1 - alpha)
        cv2.copyTo(mixed, mask, region)

    # ---- rasterisation ------------------------------------------------------------------------
    def _screen(self, px: np.ndarray) -> np.ndarray | None:
        """Pixel polygon to fixed point, clipped to the guard frame; None when off screen."""
        mn, mx = px.min(axis=0), px.max(axis=0)
        if mx[0] < 0 or mx[1] < 0 or mn[0] > self.width or mn[1] > self.height:
            return None
        if mn[0] < self._lo[0] or mn[1] < self._lo[1] or mx[0] > self._hi[0] or mx[1] > self._hi[1]:
            px = _clip_rect(px, self._lo, self._hi)
            if len(px) < 3:
                return None
        return np.floor(px * SCALE + 0.5).astype(np.int32)

    def _project_one(self, world_pts: np.ndarray) -> np.ndarray | None:
        cam = _clip_near(self.to_camera(world_pts))
        if len(cam) < 3:
            return None
        return self._screen(cam[:, :2] * (self.focal / cam[:, 2:3]) + self._pp)

    def _shade(self, items: list[_Item], depth: np.ndarray) -> np.ndarray:
        """Final colours (N,3) of recorded items at their depths."""
        light = self.light
        colours = np.empty((len(items), 3))
        normals = np.zeros((len(items), 3))
        shaded = np.zeros(len(items), bool)
        has_normal = np.zeros(len(items), bool)
        for i, it in enumerate(items):
            if it.colour is not None:
                colours[i] = it.colour
            else:
                colours[i] = it.base
                shaded[i] = True
                if it.normal is not None:
                    normals[i] = it.normal
                    has_normal[i] = True
        lit = np.maximum(normals @ light.sun, 0.0)
        shade = np.where(has_normal, light.ambient + light.sun_strength * lit, 1.0)
        fog = 1.0 - np.exp(-light.haze * np.maximum(depth, 0.0))
        out = colours * light.tint * (shade * (1 - fog))[:, None] + light.sky_horizon * fog[:, None]
        return np.clip(np.where(shaded[:, None], out, colours), 0, 255)

    def flush(self) -> None:
        """Project, shade and rasterise everything recorded, in the order it was recorded."""
        items = self._items
        if not items:
            return
        self._items = []
        counts = np.array([len(it.points) for it in items])
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        cam = self.to_camera(np.concatenate([it.points for it in items]))
        z = cam[:, 2]
        z_min = np.minimum.reduceat(z, starts)
        depth = np.add.reduceat(z, starts) / counts
        px = cam[:, :2] * (self.focal / np.maximum(z, NEAR))[:, None] + self._pp
        mn_u, mn_v = np.minimum.reduceat(px[:, 0], starts), np.minimum.reduceat(px[:, 1], starts)
        mx_u, mx_v = np.maximum.reduceat(px[:, 0], starts), np.maximum.reduceat(px[:, 1], starts)
        off = (mx_u < 0) | (mx_v < 0) | (mn_u > self.width) | (mn_v > self.height)
        guarded = ((mn_u >= self._lo[0]) & (mn_v >= self._lo[1]) & (mx_u <= self._hi[0])
                   & (mx_v <= self._hi[1]) & (z_min >= NEAR))
        fixed = np.floor(np.clip(px, -1e6, 1e6) * SCALE + 0.5).astype(np.int32)
        colours = self._shade(items, depth).tolist()
        skip = (off & (z_min >= NEAR)).tolist()
        guarded, starts_l, ends_l = guarded.tolist(), starts.tolist(), (starts + counts).tolist()
        img, lab, fill_poly = self.image, self.labels, cv2.fillPoly
        for i, it in enumerate(items):
            kind = it.kind
            if kind == POLY:
                if skip[i]:
                    continue
                if guarded[i]:
                    poly = fixed[starts_l[i]:ends_l[i]]
                else:
                    poly = self._project_one(it.points)
                    if poly is None:
                        continue
                fill_poly(img, [poly], colours[i], cv2.LINE_8, SHIFT)
                fill_poly(lab, [poly], it.label, cv2.LINE_8, SHIFT)
            elif kind == POLYS:
                if skip[i]:
                    continue
                if guarded[i]:
                    polys = list(fixed[starts_l[i]:ends_l[i]].reshape(-1, it.corners, 2))
                else:
                    polys = [p for p in (self._project_one(q) for q in it.points.reshape(-1, it.corners, 3))
                             if p is not None]
                    if not polys:
                        continue
                    if len(polys) > 1:  # clipped ones may now touch: draw them one by one
                        for poly in polys:
                            fill_poly(img, [poly], colours[i], cv2.LINE_8, SHIFT)
                            fill_poly(lab, [poly], it.label, cv2.LINE_8, SHIFT)
                        continue
                fill_poly(img, polys, colours[i], cv2.LINE_8, SHIFT)
                fill_poly(lab, polys, it.label, cv2.LINE_8, SHIFT)
            elif kind == ROD:
                s = starts_l[i]
                self._rod(cam[s:s + 2], it.size, colours[i], it.label)
            else:
                s = starts_l[i]
                zc = float(z[s])
                if zc < NEAR + it.size:
                    continue
                u, v = px[s]
                r = it.size * self.focal / zc
                if u + r < 0 or u - r > self.width or v + r < 0 or v - r > self.height or r > 4 * self.width:
                    continue
                centre = (int(u * SCALE + 0.5), int(v * SCALE + 0.5))
                axes = (max(1, int(r * SCALE + 0.5)), max(1, int(r * it.squash * SCALE + 0.5)))
                cv2.ellipse(img, centre, axes, 0, 0, 360, colours[i], -1, cv2.LINE_8, SHIFT)
                cv2.ellipse(lab, centre, axes, 0, 0, 360, it.label, -1, cv2.LINE_8, SHIFT)

    def _rod(self, cam: np.ndarray, radius: float, colour, label: int) -> None:
        (x0, y0, z0), (x1, y1, z1) = cam.tolist()
        if z0 < NEAR and z1 < NEAR:
            return
        if z0 < NEAR or z1 < NEAR:  # cut at the near plane
            t = (NEAR - z0) / (z1 - z0)
            cut = (x0 + t * (x1 - x0), y0 + t * (y1 - y0), NEAR)
            if z0 < NEAR:
                x0, y0, z0 = cut
            else:
                x1, y1, z1 = cut
        f, cx, cy = self.focal, self.width / 2, self.height / 2
        u0, v0, u1, v1 = x0 * f / z0 + cx, y0 * f / z0 + cy, x1 * f / z1 + cx, y1 * f / z1 + cy
        w0, w1 = radius * f / z0, radius * f / z1
        if max(w0, w1) < THIN:
            if max(abs(u0), abs(v0), abs(u1), abs(v1)) > 1e6:
                return
            ok, p0, p1 = cv2.clipLine((0, 0, self.width, self.height), (int(u0), int(v0)), (int(u1), int(v1)))
            if ok:
                cv2.line(self.image, p0, p1, colour, 1, cv2.LINE_8)
                cv2.line(self.labels, p0, p1, label, 1, cv2.LINE_8)
            return
        du, dv = u1 - u0, v1 - v0
        length = math.hypot(du, dv)
        if length < 1e-6:
            du, dv, length = 0.0, 1.0, 1.0
        nu, nv = -dv / length, du / length
        quad = np.array([[u0 + nu * w0, v0 + nv * w0], [u1 + nu * w1, v1 + nv * w1],
                         [u1 - nu * w1, v1 - nv * w1], [u0 - nu * w0, v0 - nv * w0]])
        poly = self._screen(quad)
        if poly is not None:
            cv2.fillPoly(self.image, [poly], colour, cv2.LINE_8, SHIFT)
            cv2.fillPoly(self.labels, [poly], label, cv2.LINE_8, SHIFT)


@lru_cache(maxsize=None)
def _unit_circle(segments: int) -> tuple[np.ndarray, np.ndarray]:
    angles = np.linspace(0, 2 * math.pi, segments, endpoint=False)
    return np.cos(angles)[:, None], np.sin(angles)[:, None]


def circle_points(centre: np.ndarray, axis_u: np.ndarray, axis_v: np.ndarray, radius: float,
                  segments: int) -> np.ndarray:
    cos, sin = _unit_circle(segments)
    return centre + radius * (cos * axis_u + sin * axis_v)


def on_face(corners: np.ndarray, a0: float, a1: float, b0: float, b1: float) -> np.ndarray:
    """A rectangle inside a quad face, in fractions (a across, b up) of its corners."""
    weights = np.array([[(1 - a) * (1 - b), a * (1 - b), a * b, (1 - a) * b]
                        for a, b in ((a0, b0), (a1, b0), (a1, b1), (a0, b1))])
    return weights @ corners


def on_face_many(corners: np.ndarray, a0: np.ndarray, a1: np.ndarray, b0: np.ndarray,
                 b1: np.ndarray) -> np.ndarray:
    """Rectangles (N,4,3) inside a quad face; like on_face for arrays of fractions."""
    bl, br, tr, tl = corners
    a = np.stack([a0, a1, a1, a0], axis=1)[..., None]
    b = np.stack([b0, b0, b1, b1], axis=1)[..., None]
    return (1 - b) * ((1 - a) * bl + a * br) + b * ((1 - a) * tl + a * tr)
