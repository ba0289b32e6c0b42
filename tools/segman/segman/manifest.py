"""The model manifest (`<model>.json` beside `<model>.onnx`) that the edge agent reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional

from .classes import class_table

# Normalisation of 0-255 RGB pixels, as the official Cityscapes/ADE20K pipelines (after BGR -> RGB).
MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]
INPUT_NAME = "image"


def build_manifest(name: str, variant: str, height: int, width: int, output_kind: str, num_classes: int,
                   precision: str, custom_ops: List[str], training_data: Optional[str] = None,
                   miou: Optional[float] = None, domain: str = "com.segman.edge",
                   stride: int = 8, slide: Optional[Dict[str, int]] = None) -> Dict[str, object]:
    manifest: Dict[str, object] = {
        "name": name,
        "variant": variant,
        "input": {"name": INPUT_NAME, "height": height, "width": width, "layout": "NCHW", "dtype": "float32",
                  "colorOrder": "RGB", "mean": MEAN, "std": STD},
        # Logits are upsampled bilinearly to the input size before the argmax (segman.evaluate's protocol).
        "output": {"kind": output_kind, "stride": stride, "name": output_kind,
                   **({"upsample": "bilinear"} if output_kind == "logits" else {})},
        "classes": class_table(num_classes),
        "precision": precision,
        "customOps": {"domain": domain, "ops": sorted(custom_ops)},
        "training": {"data": training_data, "mIoU": miou},
    }
    if slide is not None:
        manifest["slide"] = slide      # windows of the input size slid over frames of this size (segman.slide)
    return manifest


def manifest_path(model_path: Path) -> Path:
    return model_path.with_suffix(".json")


def write_manifest(model_path: Path, manifest: Dict[str, object]) -> Path:
    path = manifest_path(model_path)
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return path
