"""mIoU of a segmentation model on held-out frames: `python -m segman.evaluate --checkpoint model.pth ...`.

Evaluation protocol (the C# bench computes exactly the same):

1. The frame (BGR uint8) is resized to the model input (bilinear, half-pixel centres, as OpenCV's
   INTER_LINEAR and torch's bilinear with align_corners=False; no resize when the sizes match),
   converted to RGB and normalised with the manifest's mean and std.
2. The logits (1/4 or 1/8 of the input) are upsampled bilinearly to the model input size (torch's bilinear with
   align_corners=False; the manifest says `"upsample": "bilinear"`), and the prediction is the argmax over
   classes there (the first maximum on ties).
3. The (h, w) prediction is resized to the label map's size (H, W) by nearest neighbour on pixel
   centres: label pixel (y, x) takes prediction (floor((y + 0.5) * h / H), floor((x + 0.5) * w / W));
   nothing to do on the 256x512 val labels, (y // 2, x // 2) on the 512x1024 drive labels.
4. One 19 x 19 confusion matrix (rows: ground truth, columns: prediction) is summed over every
   frame of the set; ground-truth pixels labelled 255 (ignore) are left out.
5. IoU_c = TP_c / (TP_c + FP_c + FN_c) for every class c that occurs in the ground truth or the
   prediction of the set; a class absent from both is excluded. mIoU is the mean of those IoUs.

Frame sources: the rendered validation split (`--val N`: scenes `segman.scenes` val seeds 0..N-1 at
256x512 as `bench/data/val`, whatever the model input), a folder written by `segman.evalset` (`--set DIR`),
and the sample drive (`--drive DIR`, holding drive.mp4 and drive_labels/). Models: a PyTorch checkpoint
(`--checkpoint`), or ONNX graphs run with onnxruntime (`--onnx`, where the package is installed;
`--ops-library` registers libsegman_ops.so for graphs with custom nodes). A model that slides windows (a checkpoint
with `--slide-window`, a graph whose manifest has a `slide` block) takes frames resized to --height x --width in
step 1 and gives the windows' averaged logits (`segman.slide`) to step 2, as the agent does.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch

from .classes import CITYSCAPES
from .frames import normalize_bgr
from .slide import SlidingModel, checked_stride, manifest_slide_logits, parse_size

NUM_CLASSES = len(CITYSCAPES)
IGNORE = 255
VAL_SIZE = (256, 512)        # the held-out scenes are rendered at this size whatever the model input

Frame = Tuple[np.ndarray, np.ndarray]                      # (BGR uint8 HxWx3, trainIds uint8 HxW)
Predictor = Callable[[torch.Tensor], np.ndarray]           # (N,3,h,w) normalised -> (N,h,w) labels


def upsample_nearest(labels: np.ndarray, height: int, width: int) -> np.ndarray:
    """(h, w) -> (height, width): pixel (y, x) takes (floor((y + 0.5) * h / height), floor((x + 0.5) * w / width))."""
    small_h, small_w = labels.shape
    rows = ((2 * np.arange(height, dtype=np.int64) + 1) * small_h) // (2 * height)
    cols = ((2 * np.arange(width, dtype=np.int64) + 1) * small_w) // (2 * width)
    return labels[rows[:, None], cols[None, :]]


def confusion(prediction: np.ndarray, truth: np.ndarray, classes: int = NUM_CLASSES) -> np.ndarray:
    """classes x classes counts (rows: ground truth, columns: prediction), ignore pixels left out."""
    if prediction.shape != truth.shape:
        raise ValueError(f"prediction {prediction.shape} and labels {truth.shape} differ in size")
    valid = truth != IGNORE
    truth_ids = truth[valid].astype(np.int64)
    predicted = prediction[valid].astype(np.int64)
    if truth_ids.size and (truth_ids.max() >= classes or predicted.max() >= classes):
        raise ValueError(f"label ids must lie below {classes} (or be {IGNORE} in the ground truth)")
    return np.bincount(truth_ids * classes + predicted, minlength=classes * classes).reshape(classes, classes)


@dataclass(frozen=True)
class Scores:
    """mIoU over the classes present, IoU per class (None where absent from prediction and truth)."""
    miou: float
    iou: List[Optional[float]]
    frames: int
    pixels: int

    def as_dict(self) -> Dict[str, object]:
        return {"mIoU": round(self.miou, 5), "frames": self.frames, "pixels": self.pixels,
                "perClass": {name: (None if value is None else round(value, 5))
                             for (name, _), value in zip(CITYSCAPES, self.iou)}}


def scores(matrix: np.ndarray, frames: int) -> Scores:
    true_positive = np.diag(matrix).astype(np.float64)
    union = matrix.sum(0) + matrix.sum(1) - true_positive
    iou = [float(tp / u) if u > 0 else None for tp, u in zip(true_positive, union)]
    present = [value for value in iou if value is not None]
    miou = float(np.mean(present)) if present else math.nan
    return Scores(miou, iou, frames, int(matrix.sum()))


class Confusion:
    """The confusion matrix summed over a set of frames."""

    def __init__(self, classes: int = NUM_CLASSES) -> None:
        self.matrix = np.zeros((classes, classes), np.int64)
        self.frames = 0

    def add(self, prediction: np.ndarray, truth: np.ndarray) -> None:
        """Add one frame: a prediction, resized to the label size here (nearest)."""
        full = upsample_nearest(prediction, *truth.shape)
        self.matrix += confusion(full, truth, self.matrix.shape[0])
        self.frames += 1

    def scores(self) -> Scores:
        return scores(self.matrix, self.frames)


def batches(frames: Iterable[Frame], height: int, width: int,
            batch: int = 8) -> Iterator[Tuple[torch.Tensor, List[np.ndarray]]]:
    """The frames in batches: images resized and normalised to the model size (step 1), with their label maps."""
    images: List[torch.Tensor] = []
    labels: List[np.ndarray] = []
    for image, truth in frames:
        images.append(normalize_bgr(image, height, width))
        labels.append(truth)
        if len(images) == batch:
            yield torch.cat(images), labels
            images, labels = [], []
    if images:
        yield torch.cat(images), labels


def evaluate(predict: Predictor, frames: Iterable[Frame], height: int, width: int, batch: int = 8) -> Scores:
    """Run `predict` over (image, labels) frames at the model size and score them by the protocol above."""
    total = Confusion()
    for images, labels in batches(frames, height, width, batch):
        for prediction, truth in zip(predict(images), labels):
            total.add(prediction, truth)
    return total.scores()


def cell_majority(labels: np.ndarray, factor: int) -> np.ndarray:
    """The best prediction at 1/factor: each factor x factor cell's most frequent label (ignore not counted)."""
    height, width = labels.shape
    cells = labels.reshape(height // factor, factor, width // factor, factor).transpose(0, 2, 1, 3)
    counts = np.stack([(cells == k).sum(axis=(2, 3)) for k in range(NUM_CLASSES)], axis=-1)
    return counts.argmax(-1).astype(np.uint8)


def ceiling(frames: Iterable[Frame], height: int, width: int, stride: int = 8) -> Scores:
    """The highest mIoU a piecewise-constant 1/stride prediction can score (every output cell predicts the
    majority label of the label pixels it covers, nearest-upsampled). This was the ceiling of the earlier
    protocol that took the argmax at 1/8; bilinear logits (step 2) are not bound by it."""
    total = Confusion()
    for _, truth in frames:
        factor = truth.shape[0] * stride // height
        if truth.shape[1] * stride // width != factor or truth.shape[0] % factor or truth.shape[1] % factor:
            raise ValueError(f"labels {truth.shape} are not a whole multiple of the {height // stride}x"
                             f"{width // stride} output")
        total.add(cell_majority(truth, factor), truth)
    return total.scores()


def upsampled_argmax(logits: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """(N, C, h, w) logits -> (N, height, width) uint8 labels: bilinear (align_corners=False), then argmax."""
    logits = logits.float()
    if tuple(logits.shape[-2:]) != (height, width):
        logits = torch.nn.functional.interpolate(logits, size=(height, width), mode="bilinear", align_corners=False)
    return logits.argmax(1).to(torch.uint8)


def torch_predictor(model: torch.nn.Module, device: torch.device, autocast: bool = False,
                    flip: bool = False) -> Predictor:
    """Labels of a PyTorch model (eval mode, bf16 autocast on CUDA if asked) by `upsampled_argmax`; with `flip`,
    the logits of the mirrored frame, mirrored back, are added first (test-time flip averaging)."""
    def predict(batch: torch.Tensor) -> np.ndarray:
        model.eval()
        frames = batch.to(device)
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
            logits = model(frames)
            if flip:
                logits = logits + model(frames.flip(-1)).flip(-1)
        return upsampled_argmax(logits, *batch.shape[-2:]).cpu().numpy()
    return predict


def onnx_predictor(path: Path, ops_library: Optional[str] = None, threads: int = 0) -> Predictor:
    """Labels of an ONNX graph run by onnxruntime on the CPU: `upsampled_argmax` of its logits, or its own labels.
    A graph whose manifest (beside it) slides is run over windows of each frame, as the agent runs it."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    if ops_library:
        options.register_custom_ops_library(ops_library)
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    manifest = json.loads(path.with_suffix(".json").read_text()) if path.with_suffix(".json").exists() else {}

    def run(frames: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.from_numpy(session.run(None, {name: frame.numpy()})[0]) for frame in frames.split(1)])

    def predict(batch: torch.Tensor) -> np.ndarray:
        result = manifest_slide_logits(manifest, run, batch) if "slide" in manifest else run(batch)
        if result.ndim == 3:
            return result.numpy().astype(np.uint8)
        return upsampled_argmax(result, *batch.shape[-2:]).numpy()
    return predict


def drive_frames(directory: Path, step: int = 1) -> Iterator[Frame]:
    """Every `step`-th frame of the sample drive (drive.mp4) with its label PNG (drive_labels/)."""
    import cv2
    capture = cv2.VideoCapture(str(directory / "drive.mp4"))
    if not capture.isOpened():
        raise FileNotFoundError(f"cannot open {directory / 'drive.mp4'} with OpenCV")
    index = 0
    try:
        while True:
            ok, image = capture.read()
            if not ok:
                break
            if index % step == 0:
                label_path = directory / "drive_labels" / f"frame_{index:05d}.png"
                labels = cv2.imread(str(label_path), cv2.IMREAD_UNCHANGED)
                if labels is None:
                    raise FileNotFoundError(label_path)
                yield image, labels
            index += 1
    finally:
        capture.release()


def val_frames(count: int, height: int, width: int, seed: int = 0) -> Iterator[Frame]:
    """The first `count` scenes of the rendered validation split, at this size (VAL_SIZE: the held-out set)."""
    from .scenes.dataset import SceneSet
    return SceneSet("val", seed, count, height, width).rendered()


def format_scores(title: str, result: Scores) -> str:
    lines = [f"{title}: mIoU {100 * result.miou:.2f} over {result.frames} frames"]
    for (name, _), value in zip(CITYSCAPES, result.iou):
        lines.append(f"  {name:<14}{'absent' if value is None else f'{100 * value:6.2f}'}")
    return "\n".join(lines)


def _sources(args: argparse.Namespace, height: int, width: int) -> Dict[str, Callable[[], Iterable[Frame]]]:
    sources: Dict[str, Callable[[], Iterable[Frame]]] = {}
    if args.val:
        sources[f"val{args.val}"] = lambda: val_frames(args.val, *VAL_SIZE)
    if args.set:
        from .evalset import read_evalset
        sources[f"set:{args.set.name}"] = lambda: read_evalset(args.set)
    if args.drive:
        sources["drive"] = lambda: drive_frames(args.drive, args.drive_step)
    return sources


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m segman.evaluate", description=__doc__.splitlines()[0])
    model = parser.add_mutually_exclusive_group(required=True)
    model.add_argument("--checkpoint", help="state dict written by segman.train")
    model.add_argument("--onnx", type=Path, nargs="+", help="ONNX graphs (onnxruntime, CPU)")
    model.add_argument("--ceiling", action="store_true",
                       help="no model: score the best possible 1/stride prediction (majority label of each cell)")
    parser.add_argument("--ceiling-stride", type=int, default=8,
                        help="output stride of --ceiling, at the --height x --width input")
    parser.add_argument("--ops-library", help="libsegman_ops.so, for graphs with custom nodes")
    parser.add_argument("--variant", help="refuse a checkpoint of another variant (default: the one it holds)")
    parser.add_argument("--height", type=int, default=256)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--val", type=int, default=0, help="rendered validation scenes")
    parser.add_argument("--set", type=Path, help="folder written by segman.evalset")
    parser.add_argument("--drive", type=Path, help="folder with drive.mp4 and drive_labels/")
    parser.add_argument("--drive-step", type=int, default=1)
    parser.add_argument("--fake-int8", type=int, default=0, metavar="FRAMES",
                        help="also score the checkpoint with int8 fake quantisation (segman.int8, as the int8 "
                             "export) calibrated on this many training scenes")
    parser.add_argument("--json", type=Path, help="also write the scores here")
    parser.add_argument("--slide-window", metavar="HxW", help="run the checkpoint over windows of HxW slid over "
                        "frames of --height x --width, as the agent runs a manifest with a slide block")
    parser.add_argument("--slide-stride", metavar="RxC", help="rows x columns between windows (default: 3/4 of "
                                                               "the window)")
    parser.add_argument("--flip", action="store_true", help="also score the checkpoint with test-time flip averaging "
                                                            "(two inferences a frame)")
    args = parser.parse_args(argv)
    predictors: Dict[str, Predictor] = {}
    if args.checkpoint:
        from .checkpoint import build_from_checkpoint
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False     # fp32 means fp32
        network, _ = build_from_checkpoint(args.checkpoint, variant=args.variant)
        runner: torch.nn.Module = network
        if args.slide_window:
            window, output_stride = parse_size(args.slide_window), network.variant.output_stride
            stride = checked_stride((args.height, args.width), window, args.slide_stride, output_stride)
            runner = SlidingModel(network, window, stride, output_stride)
        predictors[Path(args.checkpoint).name] = torch_predictor(runner.to(device), device)
        if args.flip:
            predictors[f"{Path(args.checkpoint).name} (flip-averaged)"] = torch_predictor(runner, device, flip=True)
        if args.fake_int8:
            from .fold import fold_batchnorm
            from .frames import sample_frames
            from .int8 import quantize
            calibration = [frame.to(device) for frame in sample_frames(args.fake_int8, args.height, args.width)]
            quantized = quantize(fold_batchnorm(network), calibration)
            predictors[f"{Path(args.checkpoint).name} (int8 fake-quant)"] = torch_predictor(quantized, device)
    elif args.onnx:
        for path in args.onnx:
            predictors[path.name] = onnx_predictor(path, args.ops_library)
    results: Dict[str, Dict[str, object]] = {}
    if args.ceiling:
        for source_name, frames in _sources(args, args.height, args.width).items():
            result = ceiling(frames(), args.height, args.width, args.ceiling_stride)
            print(format_scores(f"ceiling of the protocol on {source_name}", result), flush=True)
            results.setdefault("ceiling", {})[source_name] = result.as_dict()
    for model_name, predict in predictors.items():
        for source_name, frames in _sources(args, args.height, args.width).items():
            result = evaluate(predict, frames(), args.height, args.width)
            print(format_scores(f"{model_name} on {source_name}", result), flush=True)
            results.setdefault(model_name, {})[source_name] = result.as_dict()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
