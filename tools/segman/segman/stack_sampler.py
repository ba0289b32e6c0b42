"""Where a Python program's time goes, by sampling its main thread's stack (a statistical profiler).

cProfile traces every call: on torch.compile's warm-up, which is millions of small Python calls, it slowed the
run about fourfold, past a call's time. Sampling the stack every few milliseconds from another thread costs the
program little, and the share of samples a function is on the stack is the share of time spent in it.

    python -m segman.stack_sampler report.txt segman.train --out run --minutes 5 ...

runs `segman.train.main([...])` (imported by name, so its worker processes find its functions) while sampling, and
writes the functions most often on the stack (inclusive) and at its top (exclusive) to report.txt;
`segman.train --sample-stacks report.txt` does the same from inside, so segman.train stays `__main__` (run
through this module instead, one training run missed the compile cache the same run as `-m segman.train` hit).
"""

from __future__ import annotations

import contextlib
import importlib
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Iterator, List, Optional, Sequence, Tuple


def _frame_name(frame: FrameType) -> str:
    code = frame.f_code
    path = code.co_filename
    for marker in ("site-packages/", "dist-packages/", "/segman/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{code.co_name}"


CHAIN = 12       # frames kept per sample for the caller chains


class StackSampler:
    """Samples one thread's stack every `interval` seconds while running (a context manager)."""

    def __init__(self, thread_id: Optional[int] = None, interval: float = 0.005) -> None:
        self.thread_id = threading.get_ident() if thread_id is None else thread_id
        self.interval = interval
        self.samples = 0
        self.inclusive: Counter = Counter()
        self.exclusive: Counter = Counter()
        self.chains: Counter = Counter()      # the innermost `CHAIN` frames of each sample, innermost first
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stack-sampler", daemon=True)

    def __enter__(self) -> "StackSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            frame = sys._current_frames().get(self.thread_id)
            if frame is None:
                continue
            self.samples += 1
            self.exclusive[_frame_name(frame)] += 1
            seen = set()
            chain: List[str] = []
            while frame is not None:
                name = _frame_name(frame)
                if len(chain) < CHAIN:
                    chain.append(name)
                if name not in seen:            # a recursive function counts once per sample
                    seen.add(name)
                    self.inclusive[name] += 1
                frame = frame.f_back
            self.chains[tuple(chain)] += 1

    def top(self, limit: int = 40, exclusive: bool = False) -> List[Tuple[str, int, float]]:
        """(function, samples, share of all samples) of the functions most often on the stack (or at its top)."""
        counts = self.exclusive if exclusive else self.inclusive
        return [(name, n, n / max(self.samples, 1)) for name, n in counts.most_common(limit)]

    def report(self, limit: int = 40, chains: int = 8) -> str:
        lines = [f"{self.samples} samples, every {self.interval * 1e3:.0f} ms"]
        for title, exclusive in (("on the stack (inclusive)", False), ("at the top (exclusive)", True)):
            lines.append(f"\n{title}:")
            lines += [f"{share * 100:6.1f} %  {n:7d}  {name}" for name, n, share in self.top(limit, exclusive)]
        # Who called the costliest leaves: a leaf such as a subprocess wait says little on its own.
        lines.append(f"\nthe innermost {CHAIN} frames most often sampled:")
        for chain, n in self.chains.most_common(chains):
            lines.append(f"{n / max(self.samples, 1) * 100:6.1f} %  {n:7d}  " + " <- ".join(chain))
        return "\n".join(lines) + "\n"


@contextlib.contextmanager
def sampled(report: Path, interval: float = 0.005) -> Iterator[StackSampler]:
    """Samples this thread while the block runs and writes the report when it ends, also when it fails or the
    process is stopped by SIGTERM (as `timeout` stops it)."""
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    started = time.monotonic()
    sampler = StackSampler(interval=interval)
    try:
        with sampler:
            yield sampler
    finally:
        signal.signal(signal.SIGTERM, previous)
        report.write_text(f"{time.monotonic() - started:.1f} s\n" + sampler.report())


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2:
        print("usage: python -m segman.stack_sampler REPORT MODULE [ARGS...]  (runs MODULE.main(ARGS))",
              file=sys.stderr)
        return 2
    report, module = Path(args[0]), importlib.import_module(args[1])
    with sampled(report):
        result = module.main(args[2:])
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
