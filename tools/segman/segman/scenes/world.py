"""A world (road, ground look, light and props placed on that road) and how a camera view of it
is rendered."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .camera import Camera
from .canvas import Canvas
from .ground import GroundLook, paint_ground_and_sky
from .lighting import Lighting
from .props.base import Prop
from .road import Road

VIEW_DISTANCE = 320.0  # metres; props beyond are not drawn (fog and the skyline hide them)


@dataclass
class World:
    road: Road
    look: GroundLook
    light: Lighting
    props: list[Prop] = field(default_factory=list)

    def render(self, camera: Camera, t: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Clean (not yet photometrically degraded) BGR image and exact trainId labels."""
        image = np.empty((camera.height_px, camera.width, 3), np.uint8)
        labels = np.empty((camera.height_px, camera.width), np.uint8)
        paint_ground_and_sky(camera, self.road, self.look, self.light, image, labels)
        canvas = Canvas(camera, self.light, image, labels)
        visible = self._visible(camera, t)
        for _, prop in visible:
            prop.shadow(canvas, t)
        canvas.cast_shadows()
        for _, prop in visible:
            prop.draw(canvas, t)
        canvas.flush()
        return image, labels

    def _visible(self, camera: Camera, t: float) -> list[tuple[float, Prop]]:
        """Props that may show, in painter's order: by layer, then far to near."""
        if not self.props:
            return []
        places = [p.place for p in self.props]
        s = np.array([p.s + p.speed_s * t for p in places])
        d = np.array([p.d + p.speed_d * t for p in places])
        x, z, heading = self.road.frames(s, d)
        heading = heading + np.array([p.turn for p in places])
        local = np.array([p.centre() for p in self.props])
        sin_h, cos_h = np.sin(heading), np.cos(heading)
        anchors = np.stack([x + local[:, 0] * sin_h + local[:, 1] * cos_h, local[:, 2],
                            z + local[:, 0] * cos_h - local[:, 1] * sin_h], axis=1)
        rel = (anchors - camera.centre) @ camera.rotation.T
        radius = np.array([p.radius for p in self.props])
        depth = rel[:, 2]
        tan_fov = math.tan(math.atan(camera.width / 2 / camera.focal) + 0.05)
        keep = (depth > -radius) & (depth < VIEW_DISTANCE + radius)
        keep &= np.abs(rel[:, 0]) <= np.maximum(depth, 0.0) * tan_fov + radius * 1.5
        keep &= (depth <= radius) | (radius * camera.focal / np.maximum(depth, 1e-6) >= 1.0)  # a pixel or more
        layers = np.array([p.layer for p in self.props])
        order = np.lexsort((-depth, layers))
        return [(float(depth[i]), self.props[i]) for i in order if keep[i]]
