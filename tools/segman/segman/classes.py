"""Class names and display colours written into model manifests."""

from __future__ import annotations

from typing import Dict, List, Tuple

CITYSCAPES: Tuple[Tuple[str, Tuple[int, int, int]], ...] = (
    ("road", (128, 64, 128)), ("sidewalk", (244, 35, 232)), ("building", (70, 70, 70)),
    ("wall", (102, 102, 156)), ("fence", (190, 153, 153)), ("pole", (153, 153, 153)),
    ("traffic light", (250, 170, 30)), ("traffic sign", (220, 220, 0)), ("vegetation", (107, 142, 35)),
    ("terrain", (152, 251, 152)), ("sky", (70, 130, 180)), ("person", (220, 20, 60)), ("rider", (255, 0, 0)),
    ("car", (0, 0, 142)), ("truck", (0, 0, 70)), ("bus", (0, 60, 100)), ("train", (0, 80, 100)),
    ("motorcycle", (0, 0, 230)), ("bicycle", (119, 11, 32)),
)


def class_table(num_classes: int) -> List[Dict[str, object]]:
    """Cityscapes names and palette for a 19-class head; numbered classes with a fixed palette otherwise."""
    if num_classes == len(CITYSCAPES):
        return [{"id": i, "name": name, "color": list(color)} for i, (name, color) in enumerate(CITYSCAPES)]
    return [{"id": i, "name": f"class {i}", "color": [(37 * i + 71) % 256, (97 * i + 29) % 256, (151 * i + 113) % 256]}
            for i in range(num_classes)]
