"""Rare-class sampling: draw training frames by the classes they hold, not uniformly.

Uniform draws show a bicycle in about one frame of four and a traffic sign's few pixels in one of three; poles and
roads are in every frame. Rare-class sampling (Hoyer et al., DAFormer, CVPR 2022) first draws a class c with
probability proportional to exp((1 - f_c) / T), f_c its share of the rendered pixels, then a frame that holds at
least `min_pixels` of it: the smaller T, the more evenly the classes are drawn whatever their frequency.

The sampler works on a table of per-frame class pixel counts (the renderers fill it as they write frames), so a
draw is a few vector operations, not a pass over the labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RareClassSampler:
    temperature: float
    min_pixels: int = 32

    def __post_init__(self) -> None:
        if not self.temperature > 0:
            raise ValueError(f"the rare-class sampling temperature must be positive, not {self.temperature}")
        if self.min_pixels < 1:
            raise ValueError(f"min_pixels must be at least 1, not {self.min_pixels}")

    def class_probabilities(self, counts: np.ndarray, ready: np.ndarray) -> np.ndarray:
        """P(c) over the classes that some ready frame holds at least `min_pixels` of (zero for the others)."""
        held = counts[ready]
        present = (held >= self.min_pixels).any(axis=0)
        if not present.any():
            return np.zeros(counts.shape[1])
        frequency = held.sum(axis=0) / max(float(held.sum()), 1.0)
        # Shifted by the largest exponent so that a small temperature cannot overflow.
        exponent = np.where(present, (1.0 - frequency) / self.temperature, -np.inf)
        weights = np.exp(exponent - exponent[present].max())
        return weights / weights.sum()

    def picks(self, counts: np.ndarray, ready: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
        """`count` frame indices (with replacement) among the ready ones: for each, a class drawn by
        `class_probabilities`, then a ready frame holding it. Uniform among the ready frames when no class is
        held by any yet."""
        probabilities = self.class_probabilities(counts, ready)
        candidates = np.flatnonzero(ready)
        if probabilities.sum() == 0:
            return rng.choice(candidates, count)
        classes = rng.choice(len(probabilities), count, p=probabilities)
        result = np.empty(count, np.int64)
        for c in np.unique(classes):
            where = classes == c
            holders = candidates[counts[candidates, c] >= self.min_pixels]
            result[where] = rng.choice(holders, int(where.sum()))
        return result


def class_pixel_counts(labels: np.ndarray, classes: int, ignore: int = 255) -> np.ndarray:
    """Pixels of each class in one label map (ignored pixels not counted)."""
    flat = labels.ravel()
    return np.bincount(flat[flat != ignore], minlength=classes)[:classes].astype(np.int64)
