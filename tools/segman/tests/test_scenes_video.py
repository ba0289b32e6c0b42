"""The sample drive: a short clip encoded with ffmpeg, one label frame per video frame."""

from __future__ import annotations

import subprocess
from pathlib import Path

import cv2
import numpy as np

from segman.scenes.video import render_frame, write_video

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def _probe(path) -> dict[str, str]:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                          "-show_entries", "stream=nb_read_frames,width,height,pix_fmt,codec_name",
                          "-of", "default=noprint_wrappers=1", str(path)],
                         capture_output=True, text=True, check=True).stdout
    fields = dict(line.split("=", 1) for line in out.split())
    assert fields["codec_name"] == "h264" and fields["pix_fmt"] == "yuv420p"
    return fields


def test_short_clip_has_one_label_frame_per_video_frame(tmp_path):
    video, labels = tmp_path / "clip.mp4", tmp_path / "labels"
    write_video(video, labels, frames=7, fps=15, width=256, height=128, seed=3, workers=2)
    pngs = sorted(labels.glob("frame_*.png"))
    fields = _probe(video)
    assert (fields["width"], fields["height"]) == ("256", "128")
    assert int(fields["nb_read_frames"]) == 7 == len(pngs)
    assert pngs[0].name == "frame_00000.png" and pngs[-1].name == "frame_00006.png"
    stored = cv2.imread(str(pngs[4]), cv2.IMREAD_UNCHANGED)
    _, expected = render_frame(3, 7 / 15, 4, 15, 256, 128)
    assert stored.dtype == np.uint8 and stored.ndim == 2
    assert np.array_equal(stored, expected)


def test_the_camera_moves_through_a_consistent_world():
    first, first_labels = render_frame(0, 12.0, 0, 15, 256, 128)
    again, again_labels = render_frame(0, 12.0, 0, 15, 256, 128)
    later, later_labels = render_frame(0, 12.0, 30, 15, 256, 128)
    assert np.array_equal(first, again) and np.array_equal(first_labels, again_labels)
    assert (later_labels != first_labels).mean() > 0.05
    assert set(np.unique(later_labels)) <= set(range(19))


def test_committed_sample_drive_has_a_label_frame_per_video_frame():
    video, labels = SAMPLES / "drive.mp4", SAMPLES / "drive_labels"
    pngs = sorted(labels.glob("frame_*.png"))
    fields = _probe(video)
    assert int(fields["nb_read_frames"]) == len(pngs) >= 150
    assert video.stat().st_size <= 8 * 2**20
    assert sum(p.stat().st_size for p in pngs) <= 8 * 2**20
    for png in pngs[::45]:
        label = cv2.imread(str(png), cv2.IMREAD_UNCHANGED)
        assert label.shape == (int(fields["height"]), int(fields["width"])) and label.max() < 19
