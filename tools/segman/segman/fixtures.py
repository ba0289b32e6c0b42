"""Parity fixtures for ONNX Runtime tests: `python -m segman.fixtures --out DIR`.

Writes, for one random-weights model: model_decomposed.onnx and model_customops.onnx (each with its
manifest), input.bin (float32 NCHW, already normalised, little-endian), expected.bin (float32 PyTorch
logits for that input) and fixture.json. A runtime output `y` passes when
max |y - expected| <= tolerance.absolute, i.e. relative error max|y - expected| / max|expected| <= 1e-4.
With --slide HxW the manifests slide the model's windows over HxW frames: input.bin is then one such frame and
expected.bin the windows' averaged logits (`segman.slide`), what the agent's segmenter must give for it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import List, Optional

import numpy as np
import torch

from .export import ExportOptions, export
from .random_weights import random_model
from .slide import manifest_slide_logits

RELATIVE_TOLERANCE = 1e-4


def write_fixtures(out: Path, variant: str = "nano", height: int = 128, width: int = 160, seed: int = 0,
                   slide: Optional[str] = None, slide_stride: Optional[str] = None) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    model = random_model(variant, seed)
    for decompose, file in ((True, "model_decomposed.onnx"), (False, "model_customops.onnx")):
        export(ExportOptions(out=out / file, variant=variant, height=height, width=width, decompose=decompose,
                             name=f"segman-{variant}-fixture", slide=slide, slide_stride=slide_stride), model)
    manifest = json.loads((out / "model_customops.json").read_text())
    frame = (manifest["slide"]["height"], manifest["slide"]["width"]) if slide else (height, width)
    image = torch.randn(1, 3, *frame, generator=torch.Generator().manual_seed(seed + 1))
    with torch.no_grad():
        expected = manifest_slide_logits(manifest, model, image) if slide else model(image)
    image.numpy().astype("<f4").tofile(out / "input.bin")
    expected.numpy().astype("<f4").tofile(out / "expected.bin")
    peak = float(expected.abs().max())
    fixture = {
        "variant": variant,
        "seed": seed,
        "inputName": "image",
        "outputName": "logits",
        "inputShape": list(image.shape),
        "outputShape": list(expected.shape),
        "models": {"decomposed": "model_decomposed.onnx", "customOps": "model_customops.onnx"},
        "tolerance": {"relative": RELATIVE_TOLERANCE, "absolute": RELATIVE_TOLERANCE * peak,
                      "meaning": "max |actual - expected| <= absolute (= relative * max |expected|)"},
        "expectedMaxAbs": peak,
    }
    (out / "fixture.json").write_text(json.dumps(fixture, indent=2) + "\n")
    return fixture


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m segman.fixtures", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--variant", default="nano", help="nano (default, fast) or T/S/B/L")
    parser.add_argument("--height", type=int, default=128)
    parser.add_argument("--width", type=int, default=160)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--slide", metavar="HxW", help="frames the windows slide over (segman.export --slide)")
    parser.add_argument("--slide-stride", metavar="RxC")
    args = parser.parse_args(argv)
    try:
        fixture = write_fixtures(args.out, args.variant, args.height, args.width, args.seed, args.slide,
                                 args.slide_stride)
    except ValueError as error:
        raise SystemExit(f"error: {error}")
    print(f"wrote fixtures to {args.out}: input {fixture['inputShape']} -> logits {fixture['outputShape']}")


if __name__ == "__main__":
    main()
