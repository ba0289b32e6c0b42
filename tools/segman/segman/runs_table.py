"""One markdown row per short training run, from the runs' `train.json` reports: how long each checked its ops and
warmed up, how fast it then trained, and the loss it reached. `python -m segman.runs_table NAME=REPORT [NAME=REPORT
...]`; a report that is missing (a run that did not finish) gets a row that says so. The bench scripts print their
tables with it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional, Sequence

HEADER = ["run", "check s", "warm-up s", "train s", "steps", "frames/s", "after 10 steps", "peak GiB", "final loss"]


def row(name: str, report: Path) -> str:
    """The run's row, or one that says it did not finish."""
    try:
        r = json.loads(report.read_text())
    except (OSError, ValueError):
        return "| " + " | ".join([name, "did not finish"] + [""] * (len(HEADER) - 2)) + " |"
    frames_per_second = r["framesSeen"] / r["trainSeconds"] if r["trainSeconds"] else 0.0
    loss = r.get("finalLoss")
    cells = [name, r["checkSeconds"], r["warmupSeconds"], r["trainSeconds"], r["steps"], f"{frames_per_second:.1f}",
             r.get("steadyFramesPerSecond"), r.get("peakGpuMemoryGiB"), "" if loss is None else f"{loss:.3f}"]
    return "| " + " | ".join(str(c) for c in cells) + " |"


def table(runs: Sequence[str]) -> List[str]:
    """`runs` as NAME=REPORT pairs."""
    lines = ["| " + " | ".join(HEADER) + " |", "|---" + "|---:" * (len(HEADER) - 1) + "|"]
    for run in runs:
        name, separator, report = run.partition("=")
        if not separator:
            raise ValueError(f"expected NAME=REPORT, got '{run}'")
        lines.append(row(name, Path(report)))
    return lines


def main(argv: Optional[Sequence[str]] = None) -> int:
    runs = list(sys.argv[1:] if argv is None else argv)
    if not runs:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        print("\n".join(table(runs)))
    except ValueError as error:
        print(f"segman.runs_table: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
