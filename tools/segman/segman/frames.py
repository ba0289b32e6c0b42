"""Sample frames for INT8 calibration and evaluation, normalised as the model expects.

Either a folder (a `segman.scenes.dataset` set with meta.json, or image files read with OpenCV) or frames
rendered on the fly by `segman.scenes` (calibration from the train split, evaluation from the disjoint
validation split).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, List, Optional

import numpy as np
import torch
import torch.nn.functional as F

from .manifest import MEAN, STD

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp"}


def normalize_bgr(image: np.ndarray, height: int, width: int) -> torch.Tensor:
    """uint8 BGR HxWx3 -> (1, 3, height, width) float32: RGB, (x - mean) / std, resized bilinearly."""
    rgb = torch.from_numpy(np.ascontiguousarray(image[:, :, ::-1])).permute(2, 0, 1).float()
    rgb = (rgb - torch.tensor(MEAN).reshape(3, 1, 1)) / torch.tensor(STD).reshape(3, 1, 1)
    rgb = rgb.unsqueeze(0)
    if rgb.shape[-2:] != (height, width):
        rgb = F.interpolate(rgb, size=(height, width), mode="bilinear", align_corners=False)
    return rgb


def _folder_images(directory: Path) -> Iterator[np.ndarray]:
    if (directory / "meta.json").exists():
        from .scenes.dataset import read_set
        for image, _ in read_set(directory):
            yield image
        return
    import cv2
    for path in sorted(p for p in directory.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is not None:
            yield image


def sample_frames(count: int, height: int, width: int, split: str = "train", folder: Optional[str] = None,
                  skip: int = 0, seed: int = 0) -> List[torch.Tensor]:
    """`count` normalised frames: from `folder` (after skipping `skip`) or rendered road scenes."""
    if folder:
        images = _folder_images(Path(folder))
        frames = [normalize_bgr(image, height, width) for index, image in zip(range(skip + count), images)
                  if index >= skip]
        if len(frames) < count:
            raise ValueError(f"{folder} holds fewer than {skip + count} frames")
        return frames
    from .scenes.dataset import SceneSet
    scenes = SceneSet(split, seed, count, height, width)
    return [normalize_bgr(image, height, width) for image, _ in scenes]
