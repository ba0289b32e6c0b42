"""Export SegMAN to ONNX: `python -m segman.export --variant T --height 1024 --width 1024 --out model.onnx`.

The default graph has one `com.segman.edge::SelectiveScan2D` node per SS2D and one
`com.segman.edge::NeighborhoodAttention2D` node per encoder block (native/tensorrt-plugins/OPS.md);
`--decompose` writes standard ONNX ops only. The manifest is written beside the model (`<model>.json`).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import onnx
import torch

from .checkpoint import build_from_checkpoint
from .fold import fold_batchnorm
from .manifest import build_manifest, write_manifest
from .network import SegMAN
from .onnx_export import check_graph, custom_node_counts, expected_custom_nodes, trace_to_onnx
from .random_weights import random_model
from .onnx_tools import (factor_position_tables, fold_initializer_ops, infer_shapes, set_metadata,
                         share_identical_tensors)
from .slide import checked_stride, manifest_block, parse_size
from .variants import get_variant, validate_input_size

PRECISIONS = ("fp32", "fp16", "int8")


@dataclass
class ExportOptions:
    out: Path
    variant: str = "T"
    checkpoint: Optional[str] = None
    height: int = 1024
    width: int = 1024
    precision: str = "fp32"
    output: str = "logits"
    decompose: bool = False
    keep_classes: Optional[int] = None
    num_classes: int = 19
    seed: int = 0
    name: Optional[str] = None
    calibration: Optional[str] = None
    calibration_frames: int = 16
    evaluation_frames: int = 8
    training_data: Optional[str] = None
    miou: Optional[float] = None
    slide: Optional[str] = None             # frame size HxW the agent slides input-sized windows over
    slide_stride: Optional[str] = None      # RxC, default three quarters of the input


@dataclass
class ExportResult:
    model_path: Path
    manifest_path: Path
    manifest: Dict[str, object]
    custom_nodes: Dict[str, int]
    int8_report: Optional[Dict[str, object]] = field(default=None)


def load_model(options: ExportOptions) -> SegMAN:
    """The network to export: from a checkpoint, or with random weights (seeded) when there is none."""
    if options.checkpoint:
        model, report = build_from_checkpoint(options.checkpoint, options.variant, options.keep_classes)
        print(report.summary())
        return model.eval()
    return random_model(options.variant, options.seed, options.num_classes)


def export(options: ExportOptions, model: Optional[SegMAN] = None) -> ExportResult:
    if options.precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not '{options.precision}'")
    variant = get_variant(options.variant)
    validate_input_size(variant, options.height, options.width)
    slide = slide_block(options, variant.output_stride)
    model = load_model(options) if model is None else model.eval()
    folded = fold_batchnorm(model)
    int8_report = None
    if options.precision == "int8":
        from .int8 import quantize_for_export
        folded, int8_report = quantize_for_export(folded, options)
    graph = trace_to_onnx(folded, options.height, options.width, options.output, options.decompose)
    if options.precision == "int8":
        from .int8 import store_int8_weights
        graph = store_int8_weights(graph)
    graph = factor_position_tables(share_identical_tensors(infer_shapes(fold_initializer_ops(graph))))
    if options.precision == "fp16":
        from .fp16 import convert_to_fp16
        graph = convert_to_fp16(graph)
    check_graph(graph, options.decompose, expected_custom_nodes(model))
    name = options.name or options.out.stem
    set_metadata(graph, {"segman.variant": variant.name, "segman.precision": options.precision,
                         "segman.output": options.output})
    options.out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(graph, str(options.out))
    counts = dict(custom_node_counts(graph))
    manifest = build_manifest(name, variant.name, options.height, options.width, options.output,
                              model.variant.num_classes, options.precision, list(counts),
                              options.training_data, options.miou, stride=model.variant.output_stride, slide=slide)
    manifest_path = write_manifest(options.out, manifest)
    if int8_report is not None:
        options.out.with_suffix(".int8.json").write_text(json.dumps(int8_report, indent=2) + "\n")
    return ExportResult(options.out, manifest_path, manifest, counts, int8_report)


def slide_block(options: ExportOptions, output_stride: int) -> Optional[Dict[str, int]]:
    """The manifest's slide block for --slide (checked as the agent checks it), or None."""
    if options.slide is None:
        if options.slide_stride is not None:
            raise ValueError("--slide-stride needs --slide (the frame size the windows slide over)")
        return None
    frame = parse_size(options.slide)
    return manifest_block(frame, checked_stride(frame, (options.height, options.width), options.slide_stride,
                                                output_stride))


def parse_args(argv: Optional[List[str]] = None) -> ExportOptions:
    parser = argparse.ArgumentParser(prog="python -m segman.export", description=__doc__.splitlines()[0])
    parser.add_argument("--variant", default="T", help="T, S, B, L (or nano, a test-only shrink)")
    parser.add_argument("--checkpoint", help="official mmseg/timm .pth or one of ours; random weights if absent")
    parser.add_argument("--height", type=int, default=1024)
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--precision", choices=PRECISIONS, default="fp32")
    parser.add_argument("--output", choices=("logits", "labels"), default="logits",
                        help="logits (N,classes,H/8,W/8) float32, or labels (N,H/8,W/8) uint8 (argmax in the graph)")
    parser.add_argument("--decompose", action="store_true", help="standard ONNX ops only (no custom domain)")
    parser.add_argument("--out", type=Path, required=True, help="output .onnx path; the manifest goes beside it")
    parser.add_argument("--name", help="model name in the manifest (default: the file name)")
    parser.add_argument("--keep-classes", type=int, help="keep the first N classifier outputs (T-Cityscapes: 19)")
    parser.add_argument("--num-classes", type=int, default=19, help="classes of a random-weights model")
    parser.add_argument("--seed", type=int, default=0, help="seed of a random-weights model")
    parser.add_argument("--calibration", help="int8: folder of calibration images (default: generated frames)")
    parser.add_argument("--calibration-frames", type=int, default=16)
    parser.add_argument("--evaluation-frames", type=int, default=8,
                        help="int8: frames, disjoint from calibration, on which int8 is compared with fp32")
    parser.add_argument("--training-data", help="manifest training.data")
    parser.add_argument("--miou", type=float, help="manifest training.mIoU")
    parser.add_argument("--slide", metavar="HxW",
                        help="the agent resizes frames to HxW and slides windows of --height x --width over them "
                             "(SegMAN's Cityscapes models: 1024x2048 with 1024x1024 windows)")
    parser.add_argument("--slide-stride", metavar="RxC", help="rows x columns between windows (default: 3/4 of the "
                                                               "window, 768x768 for 1024x1024)")
    args = parser.parse_args(argv)
    return ExportOptions(out=args.out, variant=args.variant, checkpoint=args.checkpoint, height=args.height,
                         width=args.width, precision=args.precision, output=args.output, decompose=args.decompose,
                         keep_classes=args.keep_classes, num_classes=args.num_classes, seed=args.seed,
                         name=args.name, calibration=args.calibration, calibration_frames=args.calibration_frames,
                         evaluation_frames=args.evaluation_frames, training_data=args.training_data, miou=args.miou,
                         slide=args.slide, slide_stride=args.slide_stride)


def main(argv: Optional[List[str]] = None) -> None:
    options = parse_args(argv)
    try:
        result = export(options)
    except ValueError as error:
        raise SystemExit(f"error: {error}")
    print(f"wrote {result.model_path} ({result.model_path.stat().st_size / 1e6:.1f} MB) and {result.manifest_path}")
    print(f"custom nodes: {result.custom_nodes or 'none'}")
    if result.int8_report:
        print(json.dumps(result.int8_report, indent=2))


if __name__ == "__main__":
    main()
