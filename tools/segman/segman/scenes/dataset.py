"""Rendered training and validation sets, written as compressed .npz shards.

    python -m segman.scenes.dataset --out DIR --count N --seed S --height H --width W \
        [--split train|val] [--workers J] [--shard-size K] [--preview P] [--no-compress]

Layout of DIR:
    meta.json          format, split, seed, count, height, width, class names, shard list
    shard_00000.npz    images (K,H,W,3) uint8 BGR, labels (K,H,W) uint8 trainIds (0..18),
                       zlib-compressed unless --no-compress (bigger, but quicker to write),
                       seeds (K,) int64 — scene i of the set has seed scene_seed(split, S, i)
    preview_0000.png   optional: the first P frames, image above colour-coded labels

A scene depends only on its seed, so the set is the same for any number of workers, and the
validation split (seeds offset by VAL_SEED_OFFSET) never shares a scene with training.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .classes import CLASS_NAMES, PALETTE_RGB
from .render import render_scene

FORMAT = "segman-scenes-npz/1"
VAL_SEED_OFFSET = 1 << 40  # train seeds stay below it, validation seeds start at it
SPLITS = ("train", "val")


def scene_seed(split: str, base_seed: int, index: int) -> int:
    """Seed of scene `index` of a set made with `base_seed`; train and val never overlap."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    if base_seed < 0 or index < 0 or base_seed + index >= VAL_SEED_OFFSET:
        raise ValueError("base_seed + index must lie in [0, 2**40)")
    return base_seed + index + (VAL_SEED_OFFSET if split == "val" else 0)


@dataclass(frozen=True)
class SceneSet:
    """A set of scenes described by its split, base seed and size: iterable without torch."""
    split: str
    seed: int
    count: int
    height: int = 256
    width: int = 512

    def seeds(self) -> list[int]:
        return [scene_seed(self.split, self.seed, i) for i in range(self.count)]

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if not 0 <= index < self.count:
            raise IndexError(index)
        return render_scene(scene_seed(self.split, self.seed, index), self.height, self.width)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for i in range(self.count):
            yield self[i]

    def rendered(self, workers: int | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The scenes in order, rendered by `workers` processes (default: one per core; 0 or 1: in this process;
        one scene takes about 80 ms on one core)."""
        if workers is None:
            workers = os.cpu_count() or 1
        if workers <= 1 or self.count <= 1:
            yield from self
            return
        with ProcessPoolExecutor(min(workers, self.count)) as pool:
            yield from pool.map(self.__getitem__, range(self.count), chunksize=4)


def colorize(labels: np.ndarray) -> np.ndarray:
    """BGR picture of a label map in the Cityscapes palette (ignore = black)."""
    lut = np.zeros((256, 3), np.uint8)
    lut[:len(PALETTE_RGB)] = np.array(PALETTE_RGB, np.uint8)[:, ::-1]
    return lut[labels]


def _write_shard(args: tuple[Path, int, SceneSet, int, int, bool]) -> tuple[str, int]:
    out, number, scenes, start, stop, compress = args
    cv2.setNumThreads(1)
    images = np.empty((stop - start, scenes.height, scenes.width, 3), np.uint8)
    labels = np.empty((stop - start, scenes.height, scenes.width), np.uint8)
    seeds = np.array([scene_seed(scenes.split, scenes.seed, i) for i in range(start, stop)], np.int64)
    for k, i in enumerate(range(start, stop)):
        images[k], labels[k] = scenes[i]
    name = f"shard_{number:05d}.npz"
    save = np.savez_compressed if compress else np.savez
    save(out / name, images=images, labels=labels, seeds=seeds)
    return name, stop - start


def write_set(out: Path, scenes: SceneSet, workers: int, shard_size: int, preview: int = 0,
              compress: bool = True) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    tasks = [(out, n, scenes, start, min(start + shard_size, scenes.count), compress)
             for n, start in enumerate(range(0, scenes.count, shard_size))]
    started = time.perf_counter()
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            shards = list(pool.map(_write_shard, tasks))
    else:
        shards = [_write_shard(task) for task in tasks]
    elapsed = time.perf_counter() - started
    meta = {
        "format": FORMAT, "split": scenes.split, "seed": scenes.seed, "count": scenes.count,
        "height": scenes.height, "width": scenes.width, "classes": list(CLASS_NAMES),
        "colorOrder": "BGR", "ignoreIndex": 255,
        "shards": [{"file": name, "count": n} for name, n in shards],
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    for i in range(min(preview, scenes.count)):
        image, labels = scenes[i]
        cv2.imwrite(str(out / f"preview_{i:04d}.png"), np.concatenate([image, colorize(labels)], axis=0))
    meta["seconds"] = elapsed
    return meta


def read_set(directory: Path) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(image BGR, labels) pairs of a written set, in seed order."""
    meta = json.loads((directory / "meta.json").read_text())
    if meta.get("format") != FORMAT:
        raise ValueError(f"{directory}: not a {FORMAT} set")
    for shard in meta["shards"]:
        with np.load(directory / shard["file"]) as data:
            for image, labels in zip(data["images"], data["labels"]):
                yield image, labels


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--height", type=int, default=256)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--split", choices=SPLITS, default="train")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--shard-size", type=int, default=0,
                        help="frames per shard (default: up to 256, spread evenly over the workers)")
    parser.add_argument("--preview", type=int, default=0, help="also write the first P frames as PNG")
    parser.add_argument("--no-compress", dest="compress", action="store_false",
                        help="store shards uncompressed (about 4x the disk, written faster)")
    args = parser.parse_args(argv)
    scene_seed(args.split, args.seed, max(args.count - 1, 0))  # validates the seed range
    scenes = SceneSet(args.split, args.seed, args.count, args.height, args.width)
    workers = max(1, args.workers)
    shard_size = args.shard_size or max(1, min(256, -(-args.count // workers)))
    meta = write_set(args.out, scenes, workers, shard_size, args.preview, args.compress)
    rate = args.count / meta["seconds"] if meta["seconds"] > 0 else float("inf")
    print(f"{args.count} {args.split} scenes ({args.height}x{args.width}) in {len(meta['shards'])} shards "
          f"to {args.out} in {meta['seconds']:.1f} s ({rate:.1f} frames/s, {workers} workers)")


if __name__ == "__main__":
    main()
