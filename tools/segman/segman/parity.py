"""Run exported graphs in ONNX Runtime and compare with PyTorch: `python -m segman.parity DIR`.

DIR is a fixtures folder (`python -m segman.fixtures`). Needs the onnxruntime Python package, which the
development machines do not have; the C# tests run the same comparison through ONNX Runtime for .NET.
Only graphs of standard ops run here unless --custom-op-library names the native library.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import List, Optional

import numpy as np


def compare(directory: Path, model: str, custom_op_library: Optional[str] = None,
            providers: Optional[List[str]] = None) -> dict:
    import onnxruntime as ort

    fixture = json.loads((directory / "fixture.json").read_text())
    image = np.fromfile(directory / "input.bin", dtype="<f4").reshape(fixture["inputShape"])
    expected = np.fromfile(directory / "expected.bin", dtype="<f4").reshape(fixture["outputShape"])
    options = ort.SessionOptions()
    if custom_op_library:
        options.register_custom_ops_library(custom_op_library)
    session = ort.InferenceSession(str(directory / model), options, providers=providers or ["CPUExecutionProvider"])
    actual = session.run(None, {fixture["inputName"]: image})[0].astype(np.float32)
    error = float(np.abs(actual - expected).max())
    peak = float(np.abs(expected).max())
    return {"model": model, "provider": session.get_providers()[0], "maxAbsError": error,
            "relativeError": error / peak, "pass": error <= fixture["tolerance"]["absolute"]}


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m segman.parity", description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--model", action="append", help="model file(s) in DIR (default: model_decomposed.onnx)")
    parser.add_argument("--custom-op-library", help="path of the native custom-op library")
    parser.add_argument("--provider", action="append", help="ONNX Runtime execution provider(s)")
    args = parser.parse_args(argv)
    for model in args.model or ["model_decomposed.onnx"]:
        print(json.dumps(compare(args.directory, model, args.custom_op_library, args.provider)))


if __name__ == "__main__":
    main()
