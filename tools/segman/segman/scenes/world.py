"""A world (road, ground look, light and props) and how one camera view of it is rendered."""

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
        half_fov = math.atan(camera.width / 2 / camera.focal) + 0.05
        tan_fov = math.tan(half_fov)
        rot = camera.rotation
        out = []
        for prop in self.props:
            rel = prop.anchor(t) - camera.centre
            depth = float(rel @ rot[2])
            r = prop.radius
            if depth < -r or depth > VIEW_DISTANCE + r:
                continue
            if depth > r and r * camera.focal / depth < 1.0:
                continue  # under a pixel across
            across = abs(float(rel @ rot[0]))
            if across > max(depth, 0.0) * tan_fov + r * 1.5:
                continue
            out.append(((prop.layer, -depth), prop))
        out.sort(key=lambda item: item[0])
        return [(key[1], prop) for key, prop in out]
