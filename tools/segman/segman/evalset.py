"""Held-out validation frames as image files, for benchmarks outside Python:
`python -m segman.evalset --out DIR --count N [--seed S] [--height H --width W]`.

DIR holds, for frame i of the rendered validation split (segman.scenes val seeds S..S+N-1):
    frame_iiiii.png   the image as rendered (8-bit BGR PNG, lossless)
    label_iiiii.png   trainIds 0..18 (8-bit greyscale PNG; 255 would mean ignore)
    index.json        format, size, classes and, per frame, both file names and the scene seed
Both the PyTorch evaluation (`python -m segman.evaluate --set DIR`) and the C# bench read these files, so
they score the same pixels.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .classes import CITYSCAPES
from .scenes.dataset import SceneSet, scene_seed

FORMAT = "segman-evalset/1"


def write_evalset(out: Path, count: int, seed: int = 0, height: int = 256, width: int = 512) -> Dict[str, object]:
    out.mkdir(parents=True, exist_ok=True)
    frames: List[Dict[str, object]] = []
    for index, (image, labels) in enumerate(SceneSet("val", seed, count, height, width)):
        image_name, label_name = f"frame_{index:05d}.png", f"label_{index:05d}.png"
        for name, array in ((image_name, image), (label_name, labels)):
            if not cv2.imwrite(str(out / name), array, [cv2.IMWRITE_PNG_COMPRESSION, 9]):
                raise OSError(f"cannot write {out / name}")
        frames.append({"image": image_name, "labels": label_name, "seed": scene_seed("val", seed, index)})
    index_data: Dict[str, object] = {
        "format": FORMAT, "split": "val", "seed": seed, "count": count, "height": height, "width": width,
        "colorOrder": "BGR", "ignoreIndex": 255, "classes": [name for name, _ in CITYSCAPES], "frames": frames,
    }
    (out / "index.json").write_text(json.dumps(index_data, indent=2) + "\n")
    return index_data


def read_evalset(directory: Path) -> Iterator[Tuple[np.ndarray, np.ndarray]]:
    """(BGR image, trainIds) pairs of a folder written by `write_evalset`, in index order."""
    index = json.loads((directory / "index.json").read_text())
    if index.get("format") != FORMAT:
        raise ValueError(f"{directory}: not a {FORMAT} folder")
    for frame in index["frames"]:
        image = cv2.imread(str(directory / frame["image"]), cv2.IMREAD_COLOR)
        labels = cv2.imread(str(directory / frame["labels"]), cv2.IMREAD_UNCHANGED)
        if image is None or labels is None:
            raise FileNotFoundError(f"{directory}: cannot read {frame['image']} or {frame['labels']}")
        yield image, labels


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m segman.evalset", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--height", type=int, default=256)
    parser.add_argument("--width", type=int, default=512)
    args = parser.parse_args(argv)
    write_evalset(args.out, args.count, args.seed, args.height, args.width)
    size = sum(p.stat().st_size for p in args.out.glob("*.png"))
    print(f"{args.count} val frames ({args.height}x{args.width}) in {args.out}: {size / 2**20:.2f} MiB")


if __name__ == "__main__":
    main()
