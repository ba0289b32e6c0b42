"""The sample drive as an H.264 video plus its exact label frames.

    python -m segman.scenes.video --out samples/drive.mp4 --labels samples/drive_labels \
        --frames 180 --fps 15 --width 1024 --height 512 --seed S [--crf 20] [--workers J]

Frames are piped as raw BGR into the `ffmpeg` command-line tool (libx264, yuv420p). Labels are
8-bit greyscale PNGs whose pixel values are trainIds (0..18), one per video frame:
frame_00000.png, frame_00001.png, ...
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from .drive import Drive, drive_world
from .photometric import degrade


@lru_cache(maxsize=2)
def _drive(seed: int, duration: float) -> Drive:
    return drive_world(seed, duration)


def render_frame(seed: int, duration: float, index: int, fps: float, width: int,
                 height: int) -> tuple[np.ndarray, np.ndarray]:
    """Frame `index` of the drive: (BGR image, trainId labels)."""
    cv2.setNumThreads(1)
    drive = _drive(seed, duration)
    t = index / fps
    image, labels = drive.world.render(drive.camera(t, width, height), t)
    return degrade(image, labels, drive.photometric, frame_index=index), labels


def _render_job(args: tuple[int, float, int, float, int, int]) -> tuple[np.ndarray, np.ndarray]:
    return render_frame(*args)


def write_video(out: Path, labels_dir: Path, frames: int, fps: float, width: int, height: int,
                seed: int, crf: int = 20, workers: int = 1) -> float:
    """Render and encode the drive; returns the seconds it took."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise RuntimeError("the ffmpeg command-line tool is needed (Debian package: ffmpeg)")
    out.parent.mkdir(parents=True, exist_ok=True)
    labels_dir.mkdir(parents=True, exist_ok=True)
    for stale in labels_dir.glob("frame_*.png"):
        stale.unlink()
    command = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
               "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{width}x{height}", "-r", str(fps), "-i", "-",
               "-c:v", "libx264", "-preset", "slow", "-crf", str(crf), "-pix_fmt", "yuv420p",
               "-movflags", "+faststart", str(out)]
    started = time.perf_counter()
    duration = frames / fps
    jobs = [(seed, duration, i, fps, width, height) for i in range(frames)]
    encoder = subprocess.Popen(command, stdin=subprocess.PIPE)
    assert encoder.stdin is not None
    try:
        if workers > 1:
            with ProcessPoolExecutor(workers) as pool:
                results = pool.map(_render_job, jobs, chunksize=4)
                _emit(results, encoder.stdin, labels_dir)
        else:
            _emit(map(_render_job, jobs), encoder.stdin, labels_dir)
    finally:
        encoder.stdin.close()
        if encoder.wait() != 0:
            raise RuntimeError(f"ffmpeg failed with exit code {encoder.returncode}")
    return time.perf_counter() - started


def _emit(results, sink, labels_dir: Path) -> None:
    for i, (image, labels) in enumerate(results):
        sink.write(np.ascontiguousarray(image).tobytes())
        cv2.imwrite(str(labels_dir / f"frame_{i:05d}.png"), labels, [cv2.IMWRITE_PNG_COMPRESSION, 9])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--labels", type=Path, required=True)
    parser.add_argument("--frames", type=int, default=180)
    parser.add_argument("--fps", type=float, default=15.0)
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--height", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--crf", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    seconds = write_video(args.out, args.labels, args.frames, args.fps, args.width, args.height,
                          args.seed, args.crf, args.workers)
    size = args.out.stat().st_size
    label_bytes = sum(p.stat().st_size for p in args.labels.glob("frame_*.png"))
    print(f"{args.frames} frames {args.width}x{args.height} in {seconds:.1f} s: {args.out} "
          f"{size / 2**20:.2f} MiB, labels {label_bytes / 2**20:.2f} MiB")


if __name__ == "__main__":
    main()
