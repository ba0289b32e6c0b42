"""A placeholder segmentation model: per-cell colour and position, fitted on rendered scenes.

    python -m segman.scenes.baseline_model --out models/baseline-palette.onnx \
        [--train 400] [--val 100] [--seed 0] [--workers J]

The graph undoes the input normalisation, averages 8x8 pixel cells, and scores every class by a
diagonal Gaussian log-likelihood of the cell's RGB plus a log prior of the class at that cell:

    logits[k, i, j] = bias[k, i, j] - sum_c (rgb[c, i, j] - mean[k, c])^2 * half_inv_var[k, c]

(bias = log prior - sum of log std). Constants are fitted on rendered training scenes; the
manifest beside the model records the mIoU measured on the held-out validation scenes with a
numpy evaluation of the same formula. It is crude on purpose: it stands in until a trained
network replaces it.
"""

from __future__ import annotations

import argparse
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .classes import CLASS_NAMES, NUM_CLASSES, PALETTE_RGB
from .dataset import scene_seed
from .render import render_scene

HEIGHT, WIDTH, STRIDE = 512, 1024, 8
MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]
OPSET = 17
VARIANT = "baseline-palette"


@dataclass
class CellModel:
    mean: np.ndarray  # (K, 3) RGB of each class's cells
    var: np.ndarray  # (K, 3)
    log_prior: np.ndarray  # (K, h, w) log p(class | cell position)

    @property
    def half_inv_var(self) -> np.ndarray:
        return 0.5 / self.var

    @property
    def bias(self) -> np.ndarray:
        return self.log_prior - 0.5 * np.log(self.var).sum(axis=1)[:, None, None]


def cell_rgb(image_bgr: np.ndarray, stride: int) -> np.ndarray:
    """(3, H/stride, W/stride) mean RGB of each stride x stride cell, float64."""
    h, w = image_bgr.shape[0] // stride, image_bgr.shape[1] // stride
    rgb = image_bgr[:h * stride, :w * stride, ::-1].astype(np.float64)
    return rgb.reshape(h, stride, w, stride, 3).mean(axis=(1, 3)).transpose(2, 0, 1)


def cell_votes(labels: np.ndarray, stride: int) -> np.ndarray:
    """(K, H/stride, W/stride) pixel count of each class in each cell."""
    h, w = labels.shape[0] // stride, labels.shape[1] // stride
    blocks = labels[:h * stride, :w * stride].reshape(h, stride, w, stride)
    return np.stack([(blocks == k).sum(axis=(1, 3)) for k in range(NUM_CLASSES)])


def logits(model: CellModel, rgb: np.ndarray) -> np.ndarray:
    """The graph's formula on one cell image (3, h, w) -> (K, h, w)."""
    diff = rgb[None] - model.mean[:, :, None, None]
    return model.bias - (diff * diff * model.half_inv_var[:, :, None, None]).sum(axis=1)


def _fit_sample(args: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    seed, height, width = args
    cv2.setNumThreads(1)
    image, labels = render_scene(seed, height, width)
    stride = STRIDE * height // HEIGHT  # the same cell grid at any render size
    return cell_rgb(image, stride), cell_votes(labels, stride)


def fit(train_seeds: list[int], workers: int, height: int = HEIGHT // 2, width: int = WIDTH // 2) -> CellModel:
    """Class colour statistics (weighted by pixel counts) and a smoothed positional prior."""
    k = NUM_CLASSES
    weight = np.zeros(k)
    sums = np.zeros((k, 3))
    squares = np.zeros((k, 3))
    counts = np.zeros((k, HEIGHT // STRIDE, WIDTH // STRIDE))
    jobs = [(s, height, width) for s in train_seeds]
    with ProcessPoolExecutor(workers) as pool:
        for rgb, votes in pool.map(_fit_sample, jobs, chunksize=4):
            v = votes.reshape(k, -1).astype(np.float64)
            x = rgb.reshape(3, -1)
            weight += v.sum(axis=1)
            sums += v @ x.T
            squares += v @ (x * x).T
            counts += votes
    seen = weight > 0
    mean = np.where(seen[:, None], sums / np.maximum(weight, 1)[:, None], 128.0)
    var = np.where(seen[:, None], squares / np.maximum(weight, 1)[:, None] - mean ** 2, 80.0 ** 2)
    var = np.maximum(var, 4.0 ** 2)  # keep every class's spread at least a few grey levels
    smooth = np.stack([cv2.GaussianBlur(c, (0, 0), 3.0) for c in counts])
    prior = (smooth + 1.0) / (smooth + 1.0).sum(axis=0, keepdims=True)
    return CellModel(mean, var, np.log(prior))


def _eval_sample(args: tuple[CellModel, int]) -> np.ndarray:
    model, seed = args
    cv2.setNumThreads(1)
    image, labels = render_scene(seed, HEIGHT, WIDTH)
    # exactly what the graph sees: normalised input, un-normalised, pooled
    x = (image[..., ::-1].astype(np.float32) - np.float32(MEAN)) / np.float32(STD)
    rgb = (x * np.float32(STD) + np.float32(MEAN)).astype(np.float64)
    cells = rgb.reshape(HEIGHT // STRIDE, STRIDE, WIDTH // STRIDE, STRIDE, 3).mean(axis=(1, 3)).transpose(2, 0, 1)
    predicted = logits(model, cells).argmax(axis=0)
    full = np.repeat(np.repeat(predicted, STRIDE, axis=0), STRIDE, axis=1)
    valid = labels < NUM_CLASSES
    return np.bincount(labels[valid].astype(np.int64) * NUM_CLASSES + full[valid],
                       minlength=NUM_CLASSES ** 2).reshape(NUM_CLASSES, NUM_CLASSES)


def evaluate(model: CellModel, val_seeds: list[int], workers: int) -> tuple[float, np.ndarray]:
    """mIoU over the classes present (ground truth or prediction), and per-class IoU (nan = absent)."""
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), np.int64)
    with ProcessPoolExecutor(workers) as pool:
        for c in pool.map(_eval_sample, [(model, s) for s in val_seeds]):
            confusion += c
    tp = np.diag(confusion).astype(np.float64)
    union = confusion.sum(axis=0) + confusion.sum(axis=1) - tp
    iou = np.where(union > 0, tp / np.maximum(union, 1), np.nan)
    return float(np.nanmean(iou)), iou


def build_graph(model: CellModel):
    """The ONNX model (opset 17, plain ops only)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    k, h, w = NUM_CLASSES, HEIGHT // STRIDE, WIDTH // STRIDE

    def const(name: str, value: np.ndarray):
        return numpy_helper.from_array(np.ascontiguousarray(value, dtype=np.float32), name)

    initializers = [
        const("std", np.array(STD).reshape(1, 3, 1, 1)),
        const("mean", np.array(MEAN).reshape(1, 3, 1, 1)),
        const("class_rgb", model.mean.reshape(1, k, 3, 1, 1)),
        const("half_inv_var", model.half_inv_var.reshape(1, k, 3, 1, 1)),
        const("bias", model.bias.reshape(1, k, h, w)),
        numpy_helper.from_array(np.array([1], np.int64), "class_axis"),
        numpy_helper.from_array(np.array([2], np.int64), "channel_axis"),
    ]
    nodes = [
        helper.make_node("Mul", ["image", "std"], ["scaled"]),
        helper.make_node("Add", ["scaled", "mean"], ["rgb"]),
        helper.make_node("AveragePool", ["rgb"], ["cells"], kernel_shape=[STRIDE, STRIDE],
                         strides=[STRIDE, STRIDE]),
        helper.make_node("Unsqueeze", ["cells", "class_axis"], ["cells_k"]),
        helper.make_node("Sub", ["cells_k", "class_rgb"], ["diff"]),
        helper.make_node("Mul", ["diff", "diff"], ["squared"]),
        helper.make_node("Mul", ["squared", "half_inv_var"], ["weighted"]),
        helper.make_node("ReduceSum", ["weighted", "channel_axis"], ["distance"], keepdims=0),
        helper.make_node("Sub", ["bias", "distance"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes, "baseline_palette",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, HEIGHT, WIDTH])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, k, h, w])],
        initializers)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                   producer_name="segman.scenes.baseline_model")
    onnx_model.ir_version = 8
    onnx.checker.check_model(onnx_model, full_check=True)
    return onnx_model


def manifest(name: str, training_data: str, miou: float | None) -> dict:
    return {
        "name": name,
        "variant": VARIANT,
        "input": {"height": HEIGHT, "width": WIDTH, "layout": "NCHW", "dtype": "float32",
                  "colorOrder": "RGB", "mean": MEAN, "std": STD, "name": "image"},
        "output": {"kind": "logits", "stride": STRIDE, "name": "logits"},
        "classes": [{"id": i, "name": n, "color": list(PALETTE_RGB[i])} for i, n in enumerate(CLASS_NAMES)],
        "precision": "fp32",
        "customOps": {"domain": "com.segman.edge", "ops": []},
        "training": {"data": training_data, "mIoU": None if miou is None else round(miou, 4)},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--train", type=int, default=400, help="training scenes")
    parser.add_argument("--val", type=int, default=100, help="validation scenes for the mIoU")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    import onnx

    train = [scene_seed("train", args.seed, i) for i in range(args.train)]
    val = [scene_seed("val", args.seed, i) for i in range(args.val)]
    model = fit(train, args.workers)
    miou, iou = evaluate(model, val, args.workers) if val else (None, None)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(build_graph(model), str(args.out))
    data = (f"segman.scenes procedural road scenes: fitted on {args.train} train scenes (seeds {args.seed}.."
            f"{args.seed + args.train - 1}, rendered at {HEIGHT // 2}x{WIDTH // 2}); mIoU on {args.val} "
            f"val scenes (val seeds {args.seed}..{args.seed + args.val - 1}) at {HEIGHT}x{WIDTH}")
    path = args.out.with_suffix(".json")
    path.write_text(json.dumps(manifest(args.out.stem, data, miou), indent=2) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB) and {path}")
    if iou is not None:
        print(f"val mIoU {miou:.4f}")
        for name, value in zip(CLASS_NAMES, iou):
            print(f"  {name:14s} {'absent' if np.isnan(value) else f'{value:.3f}'}")


if __name__ == "__main__":
    main()
