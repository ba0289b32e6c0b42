"""Train the demo SegMAN on rendered road scenes within a wall-clock budget:
`python -m segman.train --out DIR --minutes M [--variant T-slim4] [--height 256 --width 512]
[--crop-height 320 --crop-width 640] [--workers 10]`.

Worker processes render training scenes (`segman.scenes`, train split) without pause into a ring buffer;
the training loop draws random batches from what is there, so the GPU never waits for the renderer and
fresh scenes keep replacing old ones; a thread draws each batch and uploads it ahead of its step (--prefetch).
Augmentation runs on the training device: a resize to the training input (--crop-height/--crop-width, default
the scene size), horizontal flip, zoom with a random crop (padding is labelled ignore), brightness, contrast,
saturation and per-channel gain. AdamW, linear warm-up then
polynomial decay over the wall-clock budget (the schedule follows the elapsed fraction of the budget, not a
step count), bf16 autocast on CUDA, cross-entropy with ignore 255 on logits upsampled to the label size, mildly
class-balanced (with --hard-pixels, over the hard pixels only; --lovasz adds the Lovász-softmax loss);
--rare-class-sampling draws frames by the classes they hold instead of uniformly. When the budget is spent, the
model is scored on the rendered validation split and on the sample drive (`segman.evaluate` protocol, at the input
the model will be exported for: --infer-height/--infer-width, default the training size), and DIR receives model.pth
(the state dict) and train.json (options, throughput, scores). On CUDA it also receives what torch.compile built
(`compile_cache.FILE_NAME`): --compile-cache gives that file to a later run, which then loads the kernels instead
of compiling them.
"""

from __future__ import annotations

import argparse
import collections
import inspect
import json
import math
import mmap
import multiprocessing
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Deque, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from . import compile_cache, profiling, regions, stack_sampler
from .checkpoint import save_checkpoint
from .ema import WeightAverage
from .evaluate import IGNORE, NUM_CLASSES, Scores, drive_frames, evaluate, format_scores, torch_predictor
from .losses import hard_pixel_cross_entropy, lovasz_softmax
from .manifest import MEAN, STD
from .network import SegMAN, build_segman
from .ops import flex_na, fused, tiled_na
from .ops.backend import use_backend
from .prefetch import BatchPrefetcher
from .rare_classes import RareClassSampler, class_pixel_counts
from .scenes.dataset import SceneSet, scene_seed
from .scenes.render import render_scene
from .variants import STRIDES, Variant, get_variant, validate_input_size

CHECKPOINT = "model.pth"
REPORT = "train.json"


@dataclass
class TrainOptions:
    out: Path
    minutes: float
    variant: str = "T-slim4"
    height: int = 256               # the rendered training scenes
    width: int = 512
    crop_height: Optional[int] = None   # the network's training input (default: the scene size); each scene
    crop_width: Optional[int] = None    # is resized to it, as the agent resizes frames, before the zoom
    infer_height: Optional[int] = None  # the exported model's input, at which val and drive are scored
    infer_width: Optional[int] = None   # (default: the training size)
    workers: int = 10
    batch: int = 64
    lr: float = 2e-3
    weight_decay: float = 0.05
    warmup: float = 0.04            # fraction of the budget
    scale_min: float = 1.0           # zoom only: below 1 the padding is ignored pixels
    scale_max: float = 1.25
    class_balance: float = 0.5      # exponent of the median-frequency weights (0: plain cross-entropy)
    class_weight_max: float = 3.0   # upper clip of those weights (and the weight of classes not seen yet)
    hard_pixels: float = 0.0        # OHEM: pixels whose true-class probability is above this leave the loss (0: off)
    hard_pixels_min: float = 0.0625  # ... but at least this fraction of the pixels, the hardest, stays in
    lovasz: float = 0.0             # weight of the Lovász-softmax loss added to the cross-entropy (0: off)
    lovasz_stride: int = 4          # ... over every n-th row and column of the label-size logits
    rare_class_sampling: float = 0.0    # temperature of rare-class sampling (0: frames drawn uniformly)
    rare_class_pixels: int = 32         # pixels of a class that make a frame one that holds it
    pool: int = 6144                # frames in the ring buffer
    seed: int = 0
    val: int = 200
    drive: Optional[Path] = None
    drive_step: int = 1
    max_steps: Optional[int] = None
    device: str = "auto"
    attention: str = "auto"         # gather, flex, fused, tiled, auto (tiled on CUDA, else gather)
    ema: Tuple[float, ...] = ()     # decays of weight averages kept beside training, each scored at the end
    tile_products: str = "auto"     # the tiled attention's products: fused (one kernel), explicit, auto
    channels_last: bool = False     # the model's weights and inputs in NHWC memory order (convolutions without
                                    # layout changes on tensor cores)
    compile: bool = False           # torch.compile the encoder blocks and the decoder (`regions`)
    compile_mode: str = "default"   # inductor mode of --compile: default, reduce-overhead (CUDA graphs), ...
    compile_one_config: bool = False    # compiled kernels take inductor's first launch config, none timed
    profile: int = 0                # steps to profile after the warm-up (table printed, trace written)
    cudnn_benchmark: bool = False   # autotune every convolution in the warm-up (CUDA): ~45 s, no faster steps
    finish_by: Optional[float] = None   # epoch seconds the whole run should end by: shortens the training budget
    reserve: float = 20.0           # seconds kept after training for scoring the val scenes and saving
    compile_cache: Optional[Path] = None  # compiled kernels saved by an earlier run (`compile_cache.FILE_NAME`)
    sample_stacks: Optional[Path] = None  # where the run's sampled Python stacks go (`segman.stack_sampler`)
    prefetch: int = 2               # batches drawn and uploaded ahead of the step, on a thread (0: in the step)


# ---------------------------------------------------------------------------------------------- data

_shared: Dict[str, object] = {}      # the ring buffer and scene size, inherited by forked workers


def _attach(images: np.ndarray, labels: np.ndarray, base: int) -> None:
    import cv2
    cv2.setNumThreads(1)
    _shared.update(images=images, labels=labels, base=base)


def _start_worker(images: np.ndarray, labels: np.ndarray, base: int) -> None:
    # Below the training loop and the compiler's workers: rendering only takes the cores they leave idle (the ring
    # buffer keeps sampling what is there), instead of starving the Python thread that feeds the GPU.
    os.nice(10)
    _attach(images, labels, base)


def _render_into(job: Tuple[int, int]) -> Tuple[int, np.ndarray]:
    """Render training scene `index` straight into ring-buffer slot `slot` (shared memory); return the slot and
    the scene's pixels per class."""
    slot, index = job
    images, labels = _shared["images"], _shared["labels"]
    assert isinstance(images, np.ndarray) and isinstance(labels, np.ndarray)
    height, width = labels.shape[1:]
    images[slot], labels[slot] = render_scene(scene_seed("train", int(_shared["base"]), index), height, width)
    return slot, class_pixel_counts(labels[slot], NUM_CLASSES, IGNORE)


class SceneStream:
    """Training scenes rendered without pause (worker processes, or a thread when workers is 0) into a
    ring buffer of `capacity` frames in shared memory; `sample` draws random frames among the finished ones,
    uniformly or, given a `RareClassSampler`, by the classes they hold.

    Workers write frames in place and send back only the slot number and the frame's pixels per class (the
    table rare-class sampling draws from), so this process does almost no Python work for the renderer and the
    training loop keeps the interpreter lock to itself.
    """

    def __init__(self, height: int, width: int, workers: int, capacity: int, seed: int, hold: bool = False,
                 sampler: Optional[RareClassSampler] = None) -> None:
        self.height, self.width = height, width
        pixels = capacity * height * width
        self._memory = mmap.mmap(-1, 4 * pixels)        # anonymous and shared: forked workers write into it
        self.images = np.frombuffer(self._memory, np.uint8, 3 * pixels).reshape(capacity, height, width, 3)
        self.labels = np.frombuffer(self._memory, np.uint8, pixels, 3 * pixels).reshape(capacity, height, width)
        self._images_tensor, self._labels_tensor = torch.from_numpy(self.images), torch.from_numpy(self.labels)
        self._ready = np.zeros(capacity, bool)
        self._counts = np.zeros((capacity, NUM_CLASSES), np.int64)     # pixels per class of each slot's frame
        self.rendered_pixels = np.zeros(NUM_CLASSES, np.int64)          # of every frame rendered
        self.drawn_pixels = np.zeros(NUM_CLASSES, np.int64)             # of every frame drawn (uncropped)
        self.sampler = sampler
        self.produced = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._hold = threading.Event()     # set: fill every slot once, then idle until `release`
        if hold:
            self._hold.set()
        _attach(self.images, self.labels, seed)
        self._pool = (multiprocessing.get_context("fork").Pool(workers, _start_worker, (self.images, self.labels, seed))
                      if workers > 0 else None)
        self._in_flight = min(capacity // 2, 4 * workers) if workers > 0 else 1
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _claim(self, slot: int) -> None:
        with self._lock:
            self._ready[slot] = False

    def _finish(self, done: Tuple[int, np.ndarray]) -> None:
        slot, counts = done
        with self._lock:
            self._counts[slot] = counts
            self.rendered_pixels += counts
            self._ready[slot] = True
            self.produced += 1

    def release(self) -> None:
        """End the hold asked for at construction. Held, the renderers fill the buffer once and idle: while the
        model compiles they would only overwrite scenes nobody has drawn yet, on cores the compiler needs."""
        self._hold.clear()

    def _held(self, index: int) -> bool:
        return self._hold.is_set() and index >= len(self._ready)

    def _run(self) -> None:
        index, capacity = 0, len(self._ready)
        if self._pool is None:
            while not self._stop.is_set():
                if self._held(index):
                    time.sleep(0.05)
                    continue
                self._claim(index % capacity)
                self._finish(_render_into((index % capacity, index)))
                index += 1
            return
        pending: Deque = collections.deque()
        while not self._stop.is_set():
            while len(pending) < self._in_flight and not self._held(index):
                self._claim(index % capacity)
                pending.append(self._pool.apply_async(_render_into, ((index % capacity, index),)))
                index += 1
            if pending:
                self._finish(pending.popleft().get())
            else:
                time.sleep(0.05)
        for job in pending:         # let started jobs finish before the buffer can go away
            job.wait()

    def wait_for(self, frames: int, timeout: float = 600.0) -> None:
        deadline = time.monotonic() + timeout
        while self.produced < frames:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"the scene renderer produced {self.produced} of {frames} frames")
            time.sleep(0.05)

    def _draw(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """Slots of `count` random finished frames, drawn with replacement (the lock held)."""
        if self.sampler is None:
            picks = rng.choice(np.flatnonzero(self._ready), count)
        else:
            picks = self.sampler.picks(self._counts, self._ready, count, rng)
        self.drawn_pixels += self._counts[picks].sum(axis=0)
        return picks

    def sample(self, count: int, rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
        """`count` random finished frames (copies), drawn with replacement."""
        with self._lock:
            picks = self._draw(count, rng)
            return self.images[picks], self.labels[picks]

    def gather_into(self, images: torch.Tensor, labels: torch.Tensor, rng: np.random.Generator) -> None:
        """`sample` into the given uint8 tensors, (N, H, W, 3) and (N, H, W), without the interpreter lock (the
        copy is torch's). Under the stream's lock, as in `sample`: no drawn slot is handed to a renderer
        before its copy is done."""
        with self._lock:
            picks = torch.from_numpy(self._draw(len(images), rng))
            torch.index_select(self._images_tensor, 0, picks, out=images)
            torch.index_select(self._labels_tensor, 0, picks, out=labels)

    def drawn_share(self) -> Tuple[np.ndarray, np.ndarray]:
        """Each class's share of the pixels drawn so far and of the pixels rendered so far."""
        with self._lock:
            drawn, rendered = self.drawn_pixels.astype(np.float64), self.rendered_pixels.astype(np.float64)
        return drawn / max(drawn.sum(), 1.0), rendered / max(rendered.sum(), 1.0)

    def render_val(self, count: int) -> List[Tuple[np.ndarray, np.ndarray]]:
        """The first `count` validation scenes, rendered by the same workers."""
        scenes = SceneSet("val", 0, count, self.height, self.width)
        if self._pool is None:
            return list(scenes)
        return self._pool.map(scenes.__getitem__, range(count), chunksize=4)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def close(self) -> None:
        self.stop()
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()


def class_weights(labels: np.ndarray, exponent: float, highest: float = 3.0) -> torch.Tensor:
    """(median frequency / frequency) ** exponent per class, clipped to [0.5, highest]; absent classes get highest."""
    counts = class_pixel_counts(labels, NUM_CLASSES, IGNORE).astype(np.float64)
    frequency = counts / max(counts.sum(), 1.0)
    median = np.median(frequency[frequency > 0]) if (frequency > 0).any() else 1.0
    weights = np.where(frequency > 0, (median / np.maximum(frequency, 1e-12)) ** exponent, highest)
    return torch.tensor(np.clip(weights, 0.5, highest), dtype=torch.float32)


def class_tilt(weights: torch.Tensor, drawn_share: np.ndarray, rendered_share: np.ndarray,
               sampler: Optional[RareClassSampler]) -> np.ndarray:
    """How much training tilts each class's posterior: its loss weight times, when frames are drawn by class, how
    much more often its pixels were drawn than rendered. What logit adjustment (`segman.calibrate`) takes back out."""
    tilt = weights.double().numpy().copy()
    if sampler is not None:
        seen = (drawn_share > 0) & (rendered_share > 0)
        tilt[seen] *= drawn_share[seen] / rendered_share[seen]
    return tilt


# ---------------------------------------------------------------------------------------------- augmentation

def crop_size(options: TrainOptions, scene_height: int, scene_width: int) -> Tuple[int, int]:
    """The network's input in training: --crop-height/--crop-width, else the scene size."""
    return options.crop_height or scene_height, options.crop_width or scene_width


# Augmentation draws its random numbers on the host (one generator, reproducible on any device) and sends them
# with non-blocking copies: a blocking copy to the GPU waits for all the work queued before it, and a step that
# waits for the last one's backward to end cannot queue its own ahead of the GPU.
def _to(tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
    return tensor.to(device, non_blocking=True)


def _constant(values: Sequence[float], device: torch.device) -> torch.Tensor:
    return _to(torch.tensor(values), device).reshape(1, -1, 1, 1)


def _uniform(generator: torch.Generator, device: torch.device, low: float, high: float, *shape: int) -> torch.Tensor:
    return _to(low + (high - low) * torch.rand(shape, generator=generator), device)


def scale_crop_flip(rgb: torch.Tensor, ids: torch.Tensor, options: TrainOptions,
                    generator: torch.Generator) -> Tuple[torch.Tensor, torch.Tensor]:
    """Per sample: resize to the crop size times a random factor (image bilinear, labels nearest), crop (or pad
    with the mean colour and ignore labels) to the crop size at a random offset, mirror half of the samples.

    One affine sampling grid per sample does all of it in two batched grid_sample calls, instead of a dozen
    small kernels per sample: the training loop's host side is a large part of a step."""
    count = ids.shape[0]
    height, width = crop_size(options, *ids.shape[1:])
    device = rgb.device
    scale = options.scale_min + (options.scale_max - options.scale_min) * torch.rand(count, generator=generator)
    scaled_h = (height * scale).round().clamp_min(1)
    scaled_w = (width * scale).round().clamp_min(1)

    def offset(scaled: torch.Tensor, size: int) -> torch.Tensor:
        # Where the input window starts in the scaled frame: a crop when larger, a placement when smaller.
        low, high = torch.minimum(scaled - size, torch.zeros(())), torch.maximum(scaled - size, torch.zeros(()))
        return low + torch.floor(torch.rand(count, generator=generator) * (high - low + 1)).clamp(max=high - low)

    top, left = offset(scaled_h, height), offset(scaled_w, width)
    mirror = torch.where(torch.rand(count, generator=generator) < 0.5, -1.0, 1.0)
    # Output pixel X (normalised x = (2X + 1) / width - 1) reads the scaled frame at X + left, that is the input
    # at normalised (width / scaled_w) * x + width / scaled_w + 2 * left / scaled_w - 1; a mirror negates x.
    theta = torch.zeros(count, 2, 3)
    theta[:, 0, 0] = mirror * width / scaled_w
    theta[:, 0, 2] = width / scaled_w + 2 * left / scaled_w - 1
    theta[:, 1, 1] = height / scaled_h
    theta[:, 1, 2] = height / scaled_h + 2 * top / scaled_h - 1
    grid = F.affine_grid(_to(theta, device), [count, 3, height, width], align_corners=False)
    images = F.grid_sample(rgb, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    # Labels shifted by one so that the zero padding outside the frame comes back as -1: ignore.
    labels = F.grid_sample(ids[:, None].float() + 1, grid, mode="nearest", padding_mode="zeros",
                           align_corners=False)[:, 0].long() - 1
    outside = labels < 0
    labels = labels.masked_fill(outside, IGNORE)
    images = torch.where(outside[:, None], _constant(MEAN, device), images)
    return images, labels


def colour_jitter(rgb: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """0-255 RGB: contrast about the mean, brightness, saturation and channel gains, per sample."""
    count, device = rgb.shape[0], rgb.device
    mean = rgb.mean(dim=(1, 2, 3), keepdim=True)
    rgb = (rgb - mean) * _uniform(generator, device, 0.75, 1.25, count, 1, 1, 1) + mean
    rgb = rgb + _uniform(generator, device, -25, 25, count, 1, 1, 1)
    grey = rgb.mean(dim=1, keepdim=True)
    rgb = grey + (rgb - grey) * _uniform(generator, device, 0.7, 1.3, count, 1, 1, 1)
    return (rgb * _uniform(generator, device, 0.92, 1.08, count, 3, 1, 1)).clamp(0, 255)


def augment(images: torch.Tensor, labels: torch.Tensor, options: TrainOptions,
            generator: torch.Generator) -> Tuple[torch.Tensor, torch.Tensor]:
    """uint8 BGR (N,H,W,3) and trainIds (N,H,W) on the device -> normalised RGB (N,3,h,w) and int64 labels (N,h,w)
    at the crop size (`crop_size`)."""
    rgb = images.flip(-1).permute(0, 3, 1, 2).float()
    rgb, ids = scale_crop_flip(rgb, labels.long(), options, generator)
    rgb = colour_jitter(rgb, generator)
    return (rgb - _constant(MEAN, rgb.device)) / _constant(STD, rgb.device), ids


# ---------------------------------------------------------------------------------------------- training

def learning_rate(options: TrainOptions, progress: float) -> float:
    """Linear warm-up over the first `warmup` of the budget, then poly(0.9) decay to zero at its end."""
    warm = min(1.0, progress / options.warmup) if options.warmup > 0 else 1.0
    return options.lr * warm * max(0.0, 1.0 - progress) ** 0.9


def parameter_groups(model: SegMAN, weight_decay: float) -> List[Dict[str, object]]:
    """Weight decay on conv and linear weights only (not on norms, biases, position biases, SSM constants)."""
    decay, plain = [], []
    for name, parameter in model.named_parameters():
        (decay if parameter.ndim >= 2 and "rpb" not in name and "A_logs" not in name else plain).append(parameter)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": plain, "weight_decay": 0.0}]


def training_seconds(options: TrainOptions, now: float) -> float:
    """The training budget: `minutes`, shortened so that the run, scoring and saving included (`reserve`), ends
    by `finish_by` (epoch seconds) when given. Checks and compilation come first and vary from machine to
    machine, so a fixed-length call trains for whatever they leave."""
    budget = options.minutes * 60.0
    if options.finish_by is not None:
        budget = min(budget, options.finish_by - now - options.reserve)
    if budget <= 0 and options.finish_by is None:
        raise RuntimeError(f"--minutes must be positive, not {options.minutes}")
    if budget <= 0:
        raise RuntimeError(f"no time is left to train: the run must end by {time.ctime(options.finish_by)} "
                           f"and {options.reserve:.0f} s are kept for scoring; give a later --finish-by")
    return budget


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


OPS_BACKENDS = {"gather": "reference", "flex": "flex", "fused": "fused", "tiled": "tiled"}
TILE_PRODUCTS = {"auto": None, "fused": True, "explicit": False}


def attention_backend(options: TrainOptions, device: torch.device) -> str:
    """The ops backend of the training forward: `tiled` (attention as masked products over query tiles, the scan
    compiled), `fused` (both compiled; CUDA), `flex` (CUDA, PyTorch >= 2.5) or the eager `reference` (window
    gather)."""
    if options.attention not in ("auto", *OPS_BACKENDS):
        raise SystemExit(f"--attention must be auto, {', '.join(OPS_BACKENDS)}, not '{options.attention}'")
    if options.compile and options.attention not in ("auto", "gather", "tiled"):
        raise SystemExit("--compile compiles the model's blocks around plain torch ops: use it with --attention "
                         "tiled or gather (fused compiles its own ops; flex inside a compiled model fails in inductor)")
    cuda = device.type == "cuda"
    if options.attention == "flex" and not (cuda and flex_na.available()):
        raise SystemExit("--attention flex needs CUDA and PyTorch >= 2.5 (torch.nn.attention.flex_attention); "
                         "use --attention gather")
    if options.attention == "fused" and not (cuda and hasattr(torch, "compile")):
        raise SystemExit("--attention fused needs CUDA and PyTorch >= 2 (torch.compile); use --attention gather")
    if options.attention == "auto":
        return "tiled" if cuda else "reference"
    return OPS_BACKENDS[options.attention]


def tile_products(options: TrainOptions, device: torch.device) -> bool:
    """Whether the tiled attention runs its products fused (`--tile-products`; auto: where available, and not in
    compiled blocks)."""
    if options.tile_products not in TILE_PRODUCTS:
        raise SystemExit(f"--tile-products must be {', '.join(TILE_PRODUCTS)}, not '{options.tile_products}'")
    available = tiled_na.fused_products_available(device)
    if options.tile_products == "fused" and not available:
        raise SystemExit("--tile-products fused needs CUDA and PyTorch >= 2 (scaled_dot_product_attention); "
                         "use --tile-products explicit")
    # Inductor (PyTorch 2.11) lays out the fused kernel's padded bias with the tiles innermost, and the kernel's
    # backward then fails ("(*bias): last dimension must be contiguous"); compiled, the explicit products fuse anyway.
    if options.compile and options.tile_products == "fused":
        raise SystemExit("--tile-products fused does not run in compiled blocks (--compile): leave --tile-products "
                         "out or give explicit")
    chosen = TILE_PRODUCTS[options.tile_products]
    if chosen is None:
        return available and not options.compile
    return chosen


def attention_maps(spec: Variant, height: int, width: int) -> List[Tuple[int, int, int, int]]:
    """(height, width, kernel, dilation) of every stage's neighborhood attention at this input size."""
    return [(height // stride, width // stride, kernel, dilation)
            for stride, kernel, dilation in zip(STRIDES, spec.kernels, spec.dilations)]


def check_backend(backend: str, spec: Variant, height: int, width: int, device: torch.device,
                  batch: int = 1) -> float:
    """The training ops vs the references on the first stage's shape, forward and gradients, before training
    on them; raises beyond the tolerance (fp32: the compiled reductions only reorder sums). The compiled scan is
    checked at the training batch and under the training's autocast, so the graph compiled for the check is the
    one the first stage trains with."""
    map_h, map_w, kernel, dilation = attention_maps(spec, height, width)[0]
    matmul_tf32 = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        if backend == "flex":
            errors = flex_na.check_shape(1, spec.heads[0], map_h, map_w, spec.head_dim(0), kernel, dilation, device)
            tolerance = 2e-3
        else:
            attention = tiled_na.check if backend == "tiled" else fused.check_attention
            errors = attention(1, spec.heads[0], map_h, map_w, spec.head_dim(0), kernel, dilation, device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                errors = (*errors, *fused.check_scan(batch, spec.dims[0], map_h, map_w, device))
            tolerance = 1e-4
    finally:
        torch.backends.cuda.matmul.allow_tf32 = matmul_tf32
    worst = max(errors)
    if worst > tolerance:
        raise RuntimeError(f"the {backend} training ops differ from the references by {worst:.1e} "
                           f"(tolerance {tolerance:.0e}); train with --attention gather")
    return worst


def compile_times() -> str:
    """torch.compile's own account of where the warm-up went (empty where nothing was compiled)."""
    try:
        from torch._dynamo.utils import compile_times as dynamo_compile_times
        return str(dynamo_compile_times(repr="str", aggregate=True))
    except (ImportError, TypeError):
        return ""


SETTLING_STEPS = 10


@dataclass
class Progress:
    warmup_seconds: float = 0.0
    compile_cache_saved: Optional[str] = None
    budget_seconds: float = 0.0
    steps: int = 0
    frames_seen: int = 0
    seconds: float = 0.0
    last_loss: float = math.nan
    settled_at: Optional[Tuple[int, float]] = None   # (frames, seconds) after the first SETTLING_STEPS steps

    def steady_frames_per_second(self) -> Optional[float]:
        """Throughput after the first steps, which still compile or record what the warm-up did not reach (the
        optimizer's first step, CUDA graphs)."""
        if self.settled_at is None or self.seconds <= self.settled_at[1]:
            return None
        return (self.frames_seen - self.settled_at[0]) / (self.seconds - self.settled_at[1])


class Trainer:
    """One model, its optimiser and loss, fed by a SceneStream."""

    def __init__(self, model: SegMAN, stream: SceneStream, options: TrainOptions, device: torch.device,
                 weights: torch.Tensor, backend: str = "reference") -> None:
        self.model, self.stream, self.options, self.device = model, stream, options, device
        self.backend = backend
        self.compiled_regions = regions.compile_regions(model, options.compile_mode,
                                                         options.compile_one_config) if options.compile else 0
        fusable = device.type == "cuda" and "fused" in inspect.signature(torch.optim.AdamW).parameters
        self.optimizer = torch.optim.AdamW(parameter_groups(model, options.weight_decay), lr=options.lr,
                                           **({"fused": True} if fusable else {}))
        self.criterion = torch.nn.CrossEntropyLoss(weight=weights.to(device), ignore_index=IGNORE)
        self.rng = np.random.default_rng(options.seed)
        self.generator = torch.Generator().manual_seed(options.seed)
        self.averages = [WeightAverage(model, decay) for decay in options.ema]
        self.batches: Optional[BatchPrefetcher] = None     # with --prefetch, while `train` runs

    def _batch(self) -> Tuple[torch.Tensor, torch.Tensor]:
        if self.batches is not None:
            return self.batches.next()
        images, labels = self.stream.sample(self.options.batch, self.rng)
        return (torch.from_numpy(images).to(self.device, non_blocking=True),
                torch.from_numpy(labels).to(self.device, non_blocking=True))

    def _synchronize(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def loss(self) -> torch.Tensor:
        inputs, targets = augment(*self._batch(), self.options, self.generator)
        if self.options.channels_last:
            inputs = inputs.contiguous(memory_format=torch.channels_last)
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.device.type == "cuda"):
            logits = self.model(inputs)
        logits = F.interpolate(logits.float(), size=targets.shape[-2:], mode="bilinear", align_corners=False)
        if self.options.hard_pixels > 0:
            loss = hard_pixel_cross_entropy(logits, targets, self.criterion.weight, IGNORE, self.options.hard_pixels,
                                            self.options.hard_pixels_min)
        else:
            loss = self.criterion(logits, targets)
        if self.options.lovasz > 0:
            loss = loss + self.options.lovasz * lovasz_softmax(logits, targets, IGNORE, self.options.lovasz_stride)
        return loss

    def warm_up(self) -> float:
        """One forward and backward pass without an update, outside the budget: on CUDA the first pass
        autotunes every convolution (cuDNN benchmark mode) and compiles what is compiled, which takes tens
        of seconds."""
        started = time.monotonic()
        self.model.train()
        self.loss().backward()
        self.optimizer.zero_grad(set_to_none=True)
        self._synchronize()
        return time.monotonic() - started

    def train(self) -> Progress:
        with use_backend(self.backend):
            if self.options.prefetch < 0:
                raise ValueError(f"--prefetch is 0 (each batch drawn in its step) or more, got "
                                 f"{self.options.prefetch}")
            if self.options.prefetch == 0:
                return self._train()
            self.batches = BatchPrefetcher(self.stream, self.options.batch, self.rng, self.device,
                                           self.options.prefetch)
            try:
                return self._train()
            finally:
                self.batches.close()
                self.batches = None

    def step(self, progress: float) -> torch.Tensor:
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate(self.options, progress)
        if self.compiled_regions:
            regions.step_begins(self.options.compile_mode)
        loss = self.loss()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimizer.step()
        for average in self.averages:
            average.update()
        return loss

    def profile(self, steps: int) -> str:
        """`steps` training steps under torch.profiler (outside the budget): the ops that took the most
        device and host time, then the copies by shapes and call site (`segman.profiling`); the trace goes to the
        output folder for a closer look."""
        from torch.profiler import ProfilerActivity, profile
        activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if self.device.type == "cuda" else [])
        with profile(activities=activities, record_shapes=True, with_stack=True,
                     experimental_config=profiling.stack_config()) as profiler:
            for _ in range(steps):
                self.step(0.5)
            self._synchronize()
        trace = self.options.out / "profile.json"
        profiler.export_chrome_trace(str(trace))
        key = "self_cuda_time_total" if self.device.type == "cuda" else "self_cpu_time_total"
        table = profiler.key_averages().table(sort_by=key, row_limit=30, max_name_column_width=60)
        copies = profiling.copy_sites(profiler.events())
        busy, span = profiling.device_busy(json.loads(trace.read_text()))
        return (table + "\n" + profiling.format_copy_sites(copies, steps) + "\n"
                f"device busy {busy / 1e3 / steps:.1f} ms a step of the {span / 1e3 / steps:.1f} ms its work spans "
                f"({100 * busy / max(span, 1.0):.1f} %)")

    def _train(self) -> Progress:
        options = self.options
        progress = Progress(warmup_seconds=self.warm_up())
        self.stream.release()
        if self.device.type == "cuda" and (self.backend != "reference" or self.compiled_regions):
            # Inside the budget: the run saves what it compiled for the next one (a few seconds).
            progress.compile_cache_saved = compile_cache.save(options.out / compile_cache.FILE_NAME)
            print(f"compile cache saved: {progress.compile_cache_saved}", flush=True)
        if options.profile > 0:
            print(self.profile(options.profile), flush=True)
        print(compile_times(), flush=True)
        budget = progress.budget_seconds = training_seconds(options, time.time())
        print(f"warm-up pass {progress.warmup_seconds:.1f} s; training for {budget / 60:.2f} min", flush=True)
        started = last_log = time.monotonic()
        # Every 10th step's loss, kept on the device and read when logged: reading it at once would wait for
        # the step's work, and the next step could not be queued ahead of the GPU.
        running: Deque[torch.Tensor] = collections.deque(maxlen=50)
        self.model.train()
        while True:
            elapsed = time.monotonic() - started
            if elapsed >= budget or (options.max_steps is not None and progress.steps >= options.max_steps):
                break
            loss = self.step(elapsed / budget)
            progress.steps += 1
            progress.frames_seen += options.batch
            if progress.steps == SETTLING_STEPS:
                self._synchronize()
                progress.settled_at = (progress.frames_seen, time.monotonic() - started)
            if progress.steps % 10 == 1 or progress.steps == options.max_steps:
                running.append(loss.detach())
            now = time.monotonic()
            if now - last_log >= 20.0:
                progress.last_loss = mean_loss(running)
                print(f"[{now - started:6.1f} s] step {progress.steps} loss {progress.last_loss:.4f} "
                      f"lr {self.optimizer.param_groups[0]['lr']:.2e} {progress.frames_seen / (now - started):.0f} "
                      f"frames/s, {self.stream.produced} scenes rendered", flush=True)
                last_log = now
        self._synchronize()
        progress.seconds = time.monotonic() - started
        progress.last_loss = mean_loss(running)
        return progress


def mean_loss(losses: Sequence[torch.Tensor]) -> float:
    """The mean of the kept losses (one host synchronisation); nan before the first."""
    return float(torch.stack(list(losses)).float().mean()) if losses else math.nan


def summary_table(report: Dict[str, object]) -> str:
    rows = [("variant", report["variant"]), ("device", report["device"]),
            ("warm-up seconds", report["warmupSeconds"]), ("train seconds", report["trainSeconds"]),
            ("steps", report["steps"]),
            ("frames seen", report["framesSeen"]),
            ("frames/s", f"{report['framesSeen'] / max(float(report['trainSeconds']), 1e-9):.1f}"),
            ("attention", report["attention"]), ("compiled", report["compiled"]), ("scenes rendered", report["scenesRendered"]),
            ("final loss", f"{report['finalLoss']:.4f}")]
    for key in ("val", "drive"):
        if key in report:
            scores = report[key]
            rows.append((f"{key} mIoU ({scores['frames']} frames)", f"{100 * scores['mIoU']:.2f}"))
    for average in report.get("averages", []):
        if "val" in average:
            rows.append((f"val mIoU, ema{average['decay']:g}", f"{100 * average['val']['mIoU']:.2f}"))
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"| {name:<{width}} | {value} |" for name, value in rows)


def inference_size(options: TrainOptions) -> Tuple[int, int]:
    """The model input the run is scored at (and the model is meant to be exported at): the training size unless
    --infer-height/--infer-width say otherwise. Scenes are rendered at the training size; scoring at a larger
    input upsamples each frame to it, which gives thin objects more cells of the 1/4 logits."""
    return options.infer_height or options.height, options.infer_width or options.width


def run(options: TrainOptions) -> Dict[str, object]:
    spec = get_variant(options.variant)
    train_height, train_width = crop_size(options, options.height, options.width)
    validate_input_size(spec, train_height, train_width)
    infer_height, infer_width = inference_size(options)
    validate_input_size(spec, infer_height, infer_width)
    options.out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(options.seed)
    # Start the renderer before CUDA is touched: its workers are forked from this process.
    # Held (a full buffer, then idle) until the warm-up pass is done.
    sampler = (RareClassSampler(options.rare_class_sampling, options.rare_class_pixels)
               if options.rare_class_sampling > 0 else None)
    stream = SceneStream(options.height, options.width, options.workers, options.pool, options.seed, hold=True,
                         sampler=sampler)
    try:
        device = resolve_device(options.device)
        if device.type == "cuda":
            torch.backends.cudnn.benchmark = options.cudnn_benchmark
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
        model = build_segman(spec).to(device)
        if options.channels_last:
            model = model.to(memory_format=torch.channels_last)
        warm_frames = min(options.pool, max(2 * options.batch, 16 * options.workers, 1))
        waited = time.monotonic()
        stream.wait_for(warm_frames)
        print(f"{warm_frames} scenes rendered in {time.monotonic() - waited:.1f} s; training on {device}", flush=True)
        weights = class_weights(stream.sample(warm_frames, np.random.default_rng(options.seed))[1],
                                options.class_balance, options.class_weight_max)
        backend = attention_backend(options, device)
        fused_products = tile_products(options, device)
        tiled_na.choose_products(fused_products)
        check_error, check_seconds, cache_loaded = None, 0.0, None
        if backend != "reference":
            started = time.monotonic()
            if options.compile_cache is not None:
                cache_loaded = compile_cache.load(options.compile_cache)
                print(f"compile cache loaded: {cache_loaded} in {time.monotonic() - started:.1f} s", flush=True)
            check_error = check_backend(backend, spec, train_height, train_width, device, options.batch)
            check_seconds = time.monotonic() - started
            if backend == "flex":
                flex_na.prebuild_masks(attention_maps(spec, train_height, train_width), device)
            print(f"training ops: {backend}, vs the references {check_error:.1e} "
                  f"(checked in {time.monotonic() - started:.1f} s)", flush=True)
        if backend == "tiled":
            # A compiled block must find them made: building them while tracing would trace numpy.
            tiled_na.prepare_tables(attention_maps(spec, train_height, train_width), device)
        trainer = Trainer(model, stream, options, device, weights, backend)
        progress = trainer.train()
        if options.compile:
            regions.run_eagerly()
        # Evaluation in plain fp32 (no TF32), without autotuning its new batch shapes.
        torch.backends.cudnn.benchmark = torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        stream.stop()
        rendered = stream.produced
        drawn_share, rendered_share = stream.drawn_share()
        steady = progress.steady_frames_per_second()
        predict = torch_predictor(model, device)
        report: Dict[str, object] = {
            "variant": spec.name, "height": options.height, "width": options.width,
            "cropHeight": train_height, "cropWidth": train_width,
            "inferHeight": infer_height, "inferWidth": infer_width,
            "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
            "torch": torch.__version__, "warmupSeconds": round(progress.warmup_seconds, 1),
            "trainBudgetSeconds": round(progress.budget_seconds, 1),
            "trainSeconds": round(progress.seconds, 1), "steps": progress.steps,
            "attention": backend,
            "tileProducts": ("fused" if fused_products else "explicit") if backend == "tiled" else None,
            "opsCheckError": check_error, "checkSeconds": round(check_seconds, 1),
            "compiled": options.compile_mode if options.compile else False,
            "compileCacheLoaded": cache_loaded, "compileCacheSaved": progress.compile_cache_saved,
            "framesSeen": progress.frames_seen, "scenesRendered": rendered, "finalLoss": progress.last_loss,
            "steadyFramesPerSecond": None if steady is None else round(steady, 1),
            "peakGpuMemoryGiB": (round(torch.cuda.max_memory_allocated(device) / 2**30, 2)
                                 if device.type == "cuda" else None),
            "classWeights": [round(float(w), 3) for w in weights],
            "drawnShare": [round(float(v), 6) for v in drawn_share],
            "renderedShare": [round(float(v), 6) for v in rendered_share],
            "classTilt": [round(float(v), 4) for v in class_tilt(weights, drawn_share, rendered_share, sampler)],
            # Folder names only: the report may be published, the machine's paths are of no use there.
            "options": {k: (v.name if isinstance(v, Path) else v) for k, v in asdict(options).items() if k != "out"},
        }
        save_checkpoint(model.state_dict(), options.out / CHECKPOINT)
        val_scenes = stream.render_val(options.val) if options.val > 0 else []
        if val_scenes:
            started = time.monotonic()
            val = evaluate(predict, val_scenes, infer_height, infer_width)
            print(format_scores(f"val (seeds 0..{options.val - 1})", val), flush=True)
            report["val"], report["valSeconds"] = val.as_dict(), round(time.monotonic() - started, 1)
        if options.drive is not None:
            started = time.monotonic()
            drive: Scores = evaluate(predict, drive_frames(options.drive, options.drive_step), infer_height,
                                     infer_width)
            print(format_scores("sample drive", drive), flush=True)
            report["drive"], report["driveSeconds"] = drive.as_dict(), round(time.monotonic() - started, 1)
        # Last, as they replace the model's weights: each average saved and scored on the same val scenes.
        report["averages"] = []
        for average in trainer.averages:
            model.load_state_dict(average.state)
            checkpoint = f"model-{average.name()}.pth"
            save_checkpoint(average.state, options.out / checkpoint)
            entry: Dict[str, object] = {"decay": average.decay, "checkpoint": checkpoint}
            if val_scenes:
                scores = evaluate(predict, val_scenes, infer_height, infer_width)
                print(format_scores(f"val, {average.name()}", scores), flush=True)
                entry["val"] = scores.as_dict()
            report["averages"].append(entry)
    finally:
        stream.close()
    (options.out / REPORT).write_text(json.dumps(report, indent=2) + "\n")
    print(summary_table(report), flush=True)
    return report


def decays(text: str) -> Tuple[float, ...]:
    """`0.99,0.998` -> (0.99, 0.998), each in (0, 1)."""
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected decays like 0.99,0.998, got '{text}'") from None
    if any(not 0.0 < value < 1.0 for value in values):
        raise argparse.ArgumentTypeError(f"each decay must lie in (0, 1): '{text}'")
    return values


def parse_args(argv: Optional[Sequence[str]] = None) -> TrainOptions:
    defaults = TrainOptions(out=Path("."), minutes=0)
    parser = argparse.ArgumentParser(prog="python -m segman.train", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--minutes", type=float, required=True, help="wall-clock training budget (at most)")
    parser.add_argument("--variant", default=defaults.variant)
    parser.add_argument("--height", type=int, default=defaults.height)
    parser.add_argument("--width", type=int, default=defaults.width)
    parser.add_argument("--crop-height", type=int,
                        help="training input height (default: --height): scenes are resized to it, then zoomed")
    parser.add_argument("--crop-width", type=int, help="training input width (default: --width)")
    parser.add_argument("--infer-height", type=int,
                        help="model input height the run is scored at (default: --height); export at this size")
    parser.add_argument("--infer-width", type=int, help="model input width the run is scored at (default: --width)")
    parser.add_argument("--workers", type=int, default=min(defaults.workers, max(0, (os.cpu_count() or 1) - 2)),
                        help="rendering processes (0: render in a thread of this process)")
    parser.add_argument("--batch", type=int, default=defaults.batch)
    parser.add_argument("--lr", type=float, default=defaults.lr)
    parser.add_argument("--weight-decay", type=float, default=defaults.weight_decay)
    parser.add_argument("--warmup", type=float, default=defaults.warmup, help="fraction of the budget")
    parser.add_argument("--scale-min", type=float, default=defaults.scale_min)
    parser.add_argument("--scale-max", type=float, default=defaults.scale_max)
    parser.add_argument("--class-balance", type=float, default=defaults.class_balance)
    parser.add_argument("--class-weight-max", type=float, default=defaults.class_weight_max)
    parser.add_argument("--hard-pixels", type=float, default=defaults.hard_pixels,
                        help="online hard example mining: drop pixels whose true-class probability is above this "
                             "from the loss (0: off; 0.7 as mmsegmentation)")
    parser.add_argument("--hard-pixels-min", type=float, default=defaults.hard_pixels_min,
                        help="fraction of the pixels (the hardest) that always stay in the loss")
    parser.add_argument("--lovasz", type=float, default=defaults.lovasz,
                        help="weight of the Lovász-softmax loss (a surrogate of each class's IoU) added to the "
                             "cross-entropy (0: off)")
    parser.add_argument("--lovasz-stride", type=int, default=defaults.lovasz_stride,
                        help="the Lovász loss takes every n-th row and column of the label-size logits")
    parser.add_argument("--rare-class-sampling", type=float, default=defaults.rare_class_sampling,
                        help="draw each frame by a class first, with probability ~ exp((1 - its pixel share) / T) "
                             "at this temperature T (0.01 as DAFormer; 0: uniform draws)")
    parser.add_argument("--rare-class-pixels", type=int, default=defaults.rare_class_pixels,
                        help="pixels of a class a frame must hold to be drawn for it")
    parser.add_argument("--pool", type=int, default=defaults.pool, help="frames kept in the ring buffer")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--val", type=int, default=defaults.val, help="validation scenes scored at the end")
    parser.add_argument("--drive", type=Path, help="folder with drive.mp4 and drive_labels/ (scored at the end)")
    parser.add_argument("--drive-step", type=int, default=defaults.drive_step)
    parser.add_argument("--max-steps", type=int, help="stop after this many steps even within the budget")
    parser.add_argument("--device", default=defaults.device, help="auto, cpu, cuda")
    parser.add_argument("--attention", default=defaults.attention,
                        help="how training runs the two ops: gather (eager reference), flex (CUDA), tiled, fused "
                             "(compiled, CUDA), auto")
    parser.add_argument("--ema", type=decays, default=defaults.ema,
                        help="decays of weight averages kept beside training, comma-separated (e.g. 0.99,0.998): "
                             "each is saved as model-ema<decay>.pth and scored on the val scenes after the weights")
    parser.add_argument("--tile-products", choices=TILE_PRODUCTS, default=defaults.tile_products,
                        help="the tiled attention's products: fused (one attention kernel, CUDA), explicit (fp32 "
                             "products, the logits in memory), auto (fused where available)")
    parser.add_argument("--channels-last", action="store_true",
                        help="keep the weights and inputs in NHWC memory order (channels_last)")
    parser.add_argument("--compile", action="store_true",
                        help="torch.compile each encoder block and the decoder (PyTorch >= 2.2)")
    parser.add_argument("--compile-mode", choices=regions.MODES, default=defaults.compile_mode,
                        help="inductor mode of --compile (reduce-overhead: CUDA graphs)")
    parser.add_argument("--compile-one-config", action="store_true",
                        help="compiled pointwise and reduction kernels take inductor's first launch config instead "
                             "of timing several on their first run")
    parser.add_argument("--profile", type=int, default=defaults.profile,
                        help="profile this many steps after the warm-up (prints the costliest ops)")
    parser.add_argument("--cudnn-benchmark", action="store_true",
                        help="time every convolution algorithm in the warm-up (cuDNN benchmark mode) instead of "
                             "taking cuDNN's defaults")
    parser.add_argument("--finish-by", type=float,
                        help="epoch seconds the whole run must end by: training gets what the checks and "
                             "compilation leave of the budget")
    parser.add_argument("--reserve", type=float, default=defaults.reserve,
                        help="seconds kept after training for scoring and saving (with --finish-by)")
    parser.add_argument("--compile-cache", type=Path,
                        help=f"load the compiled kernels an earlier run saved ({compile_cache.FILE_NAME} beside its "
                             "checkpoint) instead of compiling them; same PyTorch and GPU, else it only misses")
    parser.add_argument("--prefetch", type=int, default=defaults.prefetch,
                        help="batches drawn, gathered and uploaded ahead of the step on a thread of their own "
                             "(page-locked memory, a copy stream); 0 draws each in the step")
    parser.add_argument("--sample-stacks", type=Path,
                        help="sample the main thread's Python stack every 5 ms and write where the run's time "
                             "went to this file (segman.stack_sampler)")
    args = parser.parse_args(argv)
    return TrainOptions(**{k.replace("-", "_"): v for k, v in vars(args).items()})


def main(argv: Optional[Sequence[str]] = None) -> None:
    options = parse_args(argv)
    if options.sample_stacks is None:
        run(options)
        return
    with stack_sampler.sampled(options.sample_stacks):
        run(options)


if __name__ == "__main__":
    main()
