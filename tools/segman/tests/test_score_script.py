"""bench/score_on_gpu.sh end to end on the CPU: calibration, scoring and its table, on a small random model."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from segman.checkpoint import save_checkpoint
from segman.evaluate import NUM_CLASSES
from segman.random_weights import random_model

SCRIPT = Path(__file__).resolve().parents[3] / "bench" / "score_on_gpu.sh"


def test_score_script_adjusts_and_scores_each_run_and_tables_them(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "nano-run"
    run.mkdir(parents=True)
    save_checkpoint(random_model("nano", 0).state_dict(), run / "model.pth")
    weights = [0.5 + 2.5 * k / (NUM_CLASSES - 1) for k in range(NUM_CLASSES)]
    (run / "train.json").write_text(json.dumps({"framesSeen": 1234, "classWeights": weights,
                                                "val": {"mIoU": 0.125}}))
    # The script runs `python3`: make it this interpreter, whatever else the PATH holds.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "OUT": str(tmp_path / "out"),
           "VAL": "2", "CALIBRATION_FRAMES": "2", "INFER": "128x256"}
    result = subprocess.run(["bash", str(SCRIPT), str(run)], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr

    scored = tmp_path / "out" / "nano-run"
    calibration = json.loads((scored / "adjusted.calibration.json").read_text())["logitAdjustment"]
    assert calibration["frames"] == 2 and calibration["input"] == [128, 256]
    (val,) = json.loads((scored / "val.json").read_text()).values()
    ((source, scores),) = val.items()
    assert source == "val2" and scores["frames"] == 2
    assert (scored / "adjusted.pth").is_file()
    table = result.stdout.strip().splitlines()
    assert table[0].startswith("| run | frames seen |")
    assert table[-1] == (f"| nano-run | 1,234 | 12.50 | {calibration['tau']:g} | {100 * scores['mIoU']:.2f} |")
