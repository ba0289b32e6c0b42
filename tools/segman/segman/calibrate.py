"""Logit adjustment of a trained checkpoint: `python -m segman.calibrate --checkpoint model.pth --out adjusted.pth`.

Training weights the cross-entropy per class (`segman.train.class_weights`: rare classes up to 3x, common ones
0.5x), and with --rare-class-sampling also draws rare classes' frames more often (the report's `classTilt` is both
together), so the network learns the posterior tilted by those weights and predicts rare classes too often: poles,
signs, riders and bicycles bleed into their surroundings, which costs IoU as much as missing them. Logit
adjustment takes the tilt back out: logit_c - tau * log(w_c), where tau = 1 gives the unweighted posterior (the
best per-pixel accuracy) and a smaller tau keeps some of the recall the weights bought. tau is chosen to maximise
the mIoU of the evaluation protocol on rendered *training* scenes (never the held-out ones), and the adjustment is
folded into the classifier's bias: a constant per class passes unchanged through the protocol's bilinear upsampling,
so the adjusted checkpoint, its ONNX exports and the agent all see exactly the adjusted logits.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from .evaluate import IGNORE, NUM_CLASSES, Frame, batches, upsample_nearest

DEFAULT_TAUS = tuple(round(0.125 * i, 3) for i in range(13))      # 0, 0.125, ..., 1.5


@dataclass(frozen=True)
class Calibration:
    """The chosen tau, the bias it folds into the classifier, and the mIoU it gave on the calibration pixels."""
    tau: float
    bias: List[float]
    miou_before: float
    miou_after: float
    pixels: int
    scores: List[Tuple[float, float]]       # (tau, mIoU) for every tau tried

    def as_dict(self) -> Dict[str, object]:
        return {**asdict(self), "miou_before": round(self.miou_before, 5), "miou_after": round(self.miou_after, 5),
                "scores": [(tau, round(score, 5)) for tau, score in self.scores]}


def adjustment(weights: torch.Tensor, tau: float) -> torch.Tensor:
    """The per-class logit offset -tau * log(w)."""
    return -tau * weights.double().log().float()


def sample_logits(model: torch.nn.Module, frames: Iterable[Frame], height: int, width: int, pixels_per_frame: int,
                  seed: int = 0, batch: int = 8) -> Tuple[torch.Tensor, torch.Tensor]:
    """Logits of the evaluation protocol at sampled label pixels: (P, classes) and their labels (P,).

    The protocol upsamples the logits bilinearly to the model input and resizes the argmax to the label size by
    nearest neighbour, so a label pixel's logits are those of the input pixel it samples (`upsample_nearest`).
    Ignored pixels are never sampled."""
    rng = np.random.default_rng(seed)
    device = next(model.parameters()).device
    index = torch.arange(height * width, dtype=torch.int64).reshape(height, width).numpy()
    logits: List[torch.Tensor] = []
    labels: List[torch.Tensor] = []
    model.eval()
    for images, truths in batches(frames, height, width, batch):
        with torch.no_grad():
            out = model(images.to(device)).float()
            out = F.interpolate(out, size=(height, width), mode="bilinear", align_corners=False).cpu()
        for frame_logits, truth in zip(out, truths):
            source = upsample_nearest(index, *truth.shape).reshape(-1)    # input pixel of every label pixel
            valid = np.flatnonzero(truth.reshape(-1) != IGNORE)
            chosen = np.sort(rng.choice(valid, min(pixels_per_frame, valid.size), replace=False))
            flat = frame_logits.reshape(frame_logits.shape[0], -1)
            logits.append(flat[:, torch.from_numpy(source[chosen])].T.contiguous())
            labels.append(torch.from_numpy(truth.reshape(-1)[chosen].astype(np.int64)))
    return torch.cat(logits), torch.cat(labels)


def miou_of(logits: torch.Tensor, labels: torch.Tensor, bias: Optional[torch.Tensor] = None,
            classes: int = NUM_CLASSES) -> float:
    """mIoU of argmax(logits + bias) by the protocol's rule (classes absent from prediction and truth left out)."""
    predicted = (logits if bias is None else logits + bias).argmax(1)
    matrix = torch.bincount(labels * classes + predicted, minlength=classes * classes).reshape(classes, classes)
    matrix = matrix.double()
    true_positive = matrix.diag()
    union = matrix.sum(0) + matrix.sum(1) - true_positive
    present = union > 0
    return float((true_positive[present] / union[present]).mean()) if bool(present.any()) else float("nan")


def choose_tau(logits: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor,
               taus: Sequence[float] = DEFAULT_TAUS) -> Calibration:
    """The tau of `taus` with the highest mIoU (the smallest of equals; tau = 0 is always tried)."""
    candidates = sorted(set(taus) | {0.0})
    scores = [(tau, miou_of(logits, labels, adjustment(weights, tau))) for tau in candidates]
    best_tau, best = scores[0]
    for tau, score in scores[1:]:
        if score > best:
            best_tau, best = tau, score
    return Calibration(tau=best_tau, bias=[round(float(v), 6) for v in adjustment(weights, best_tau)],
                       miou_before=scores[0][1], miou_after=best, pixels=int(labels.numel()),
                       scores=scores)


def fold_into_classifier(model: torch.nn.Module, bias: torch.Tensor) -> None:
    """Add `bias` to the classifier's bias, in place: every logit map shifts by it exactly."""
    classifier = model.decoder.classifier
    if classifier.bias is None or classifier.bias.shape != bias.shape:
        raise ValueError(f"the classifier has {classifier.out_channels} outputs, the adjustment {bias.numel()}")
    with torch.no_grad():
        classifier.bias.add_(bias.to(classifier.bias))


def read_class_weights(report: Path) -> torch.Tensor:
    """How a training run tilted each class, from its report (train.json): `classTilt` (the loss weights times
    what rare-class sampling added) where the run wrote it, else its loss weights, `classWeights`."""
    if not report.is_file():
        raise FileNotFoundError(f"{report} not found: pass --report with the train.json that segman.train wrote "
                                f"beside the checkpoint (it holds the class weights of the loss)")
    data = json.loads(report.read_text())
    key = "classTilt" if data.get("classTilt") else "classWeights"
    weights = data.get(key)
    if not weights:
        raise ValueError(f"{report} has no classWeights: pass the train.json that segman.train wrote with the checkpoint")
    result = torch.tensor(weights, dtype=torch.float32)
    if (result <= 0).any():
        raise ValueError(f"{report}: {key} must be positive")
    return result


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m segman.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True, type=Path, help="model.pth written by segman.train")
    parser.add_argument("--report", type=Path, help="its train.json (default: beside the checkpoint)")
    parser.add_argument("--out", required=True, type=Path, help="the adjusted checkpoint")
    parser.add_argument("--height", type=int, default=320, help="the model input the export runs at")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--frames", type=int, default=160, help="rendered training scenes to calibrate on")
    parser.add_argument("--seed", type=int, default=7, help="base seed of those scenes (train split)")
    parser.add_argument("--pixels", type=int, default=25000, help="label pixels sampled per frame")
    args = parser.parse_args(argv)

    from .checkpoint import build_from_checkpoint, save_checkpoint
    from .scenes.dataset import SceneSet
    from .evaluate import VAL_SIZE
    report = args.report or args.checkpoint.parent / "train.json"
    try:
        weights = read_class_weights(report)
    except (OSError, ValueError) as error:
        parser.error(str(error))
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model, _ = build_from_checkpoint(str(args.checkpoint))
    model.to(device)
    frames = SceneSet("train", args.seed, args.frames, *VAL_SIZE).rendered()
    logits, labels = sample_logits(model, frames, args.height, args.width, args.pixels, seed=args.seed)
    result = choose_tau(logits, labels, weights)
    fold_into_classifier(model, torch.tensor(result.bias))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(model.state_dict(), args.out)
    summary = {"logitAdjustment": {**result.as_dict(), "frames": args.frames,
                                   "classTilt": [round(float(w), 4) for w in weights],
                                   "input": [args.height, args.width], "seed": args.seed}}
    args.out.with_suffix(".calibration.json").write_text(json.dumps(summary, indent=2) + "\n")
    print("tau  mIoU (training scenes)")
    for tau, score in result.scores:
        print(f"{tau:5.3f} {100 * score:6.2f}{'  <- chosen' if tau == result.tau else ''}")
    print(f"wrote {args.out} (tau {result.tau}: {100 * result.miou_before:.2f} -> {100 * result.miou_after:.2f} "
          f"on {result.pixels} pixels of {args.frames} training scenes)")


if __name__ == "__main__":
    main()
