"""Training batches drawn, gathered and uploaded ahead of the step that takes them.

Drawn in the step, a batch of 64 rendered 256x512 frames is about 33 MB gathered from the ring buffer by the
interpreter's thread and then copied to the GPU from pageable memory, a copy that holds the host until it is done.
While the host does that, it queues no GPU work, so on a GPU that runs a step in less time than the host needs to
feed it, the GPU waits. A `BatchPrefetcher` does both on a thread of its own, `depth` batches ahead: each batch is
gathered into page-locked memory (the gather releases the interpreter lock) and copied to the device on a CUDA
stream of its own, and the step's stream waits for that copy on the GPU, not on the host.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import Optional, Protocol, Set, Tuple

import numpy as np
import torch


class BatchSource(Protocol):
    """What the prefetcher draws from (`train.SceneStream`)."""

    height: int
    width: int

    def gather_into(self, images: torch.Tensor, labels: torch.Tensor, rng: np.random.Generator) -> None:
        """Draws `len(images)` frames and copies them into `images` (N, H, W, 3) and `labels` (N, H, W), uint8."""


@dataclass
class _Slot:
    host_images: torch.Tensor
    host_labels: torch.Tensor
    device_images: Optional[torch.Tensor]     # None on the CPU: the step reads the host tensors
    device_labels: Optional[torch.Tensor]
    copied: Optional["torch.cuda.Event"]      # recorded after the upload, on the copy stream
    consumed: Optional["torch.cuda.Event"]    # recorded on the step's stream when the step hands the slot back


class BatchPrefetcher:
    """`depth` batches of `batch` frames drawn from `source` ahead of `next()`, each uploaded to `device`.

    The tensors `next()` returns belong to the prefetcher and are refilled once `next()` is called again, so the
    step must have queued (on CUDA) or done (on the CPU) all its reads of them by then: copy what must outlive it.
    """

    def __init__(self, source: BatchSource, batch: int, rng: np.random.Generator, device: torch.device,
                 depth: int = 2) -> None:
        if depth < 1:
            raise ValueError(f"depth is at least 1, got {depth}")
        self.device = device
        self._source, self._batch, self._rng = source, batch, rng
        cuda = device.type == "cuda"
        images_shape = (batch, source.height, source.width, 3)
        labels_shape = (batch, source.height, source.width)
        self._slots = [
            _Slot(torch.empty(images_shape, dtype=torch.uint8, pin_memory=cuda),
                  torch.empty(labels_shape, dtype=torch.uint8, pin_memory=cuda),
                  torch.empty(images_shape, dtype=torch.uint8, device=device) if cuda else None,
                  torch.empty(labels_shape, dtype=torch.uint8, device=device) if cuda else None,
                  torch.cuda.Event() if cuda else None, torch.cuda.Event() if cuda else None)
            for _ in range(depth)]
        self._copy_stream = torch.cuda.Stream(device) if cuda else None
        self._free: "queue.Queue[int]" = queue.Queue()
        self._ready: "queue.Queue[int]" = queue.Queue()
        for index in range(depth):
            self._free.put(index)
        self._held: Optional[int] = None
        self._error: Optional[BaseException] = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="batch-prefetch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    index = self._free.get(timeout=0.1)
                except queue.Empty:
                    continue
                slot = self._slots[index]
                if slot.copied is not None:
                    slot.copied.synchronize()   # the slot's last upload has left its page-locked memory
                self._source.gather_into(slot.host_images, slot.host_labels, self._rng)
                if self._copy_stream is not None:
                    assert slot.device_images is not None and slot.device_labels is not None
                    with torch.cuda.stream(self._copy_stream):
                        self._copy_stream.wait_event(slot.consumed)   # the step that had it has read it
                        slot.device_images.copy_(slot.host_images, non_blocking=True)
                        slot.device_labels.copy_(slot.host_labels, non_blocking=True)
                        slot.copied.record(self._copy_stream)
                self._ready.put(index)
        except BaseException as error:  # handed to the training loop, which raises it
            self._error = error
            self._ready.put(-1)

    def next(self) -> Tuple[torch.Tensor, torch.Tensor]:
        """The next batch, (images, labels), on the device; hands the previous one back for refilling."""
        if self._held is not None:
            slot = self._slots[self._held]
            if slot.consumed is not None:
                slot.consumed.record(torch.cuda.current_stream(self.device))
            self._free.put(self._held)
            self._held = None
        while True:
            try:
                index = self._ready.get(timeout=1.0)
                break
            except queue.Empty:
                if not self._thread.is_alive():
                    raise RuntimeError("the batch prefetcher stopped") from self._error
        if index < 0:
            raise RuntimeError(f"drawing a training batch failed: {self._error!r}") from self._error
        self._held = index
        slot = self._slots[index]
        if slot.copied is None:
            return slot.host_images, slot.host_labels
        torch.cuda.current_stream(self.device).wait_event(slot.copied)
        assert slot.device_images is not None and slot.device_labels is not None
        return slot.device_images, slot.device_labels

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        if self._copy_stream is not None:
            self._copy_stream.synchronize()

    def __enter__(self) -> "BatchPrefetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class NumberedFrames:
    """A source for checks: frame i is filled with i % 100 (images) and i % 100 + 100 (labels), drawn in order;
    the draw at `fail_at` raises."""

    height, width = 4, 6

    def __init__(self, fail_at: int = -1) -> None:
        self.drawn = 0
        self.fail_at = fail_at
        self.threads: Set[int] = set()

    def gather_into(self, images: torch.Tensor, labels: torch.Tensor, rng: np.random.Generator) -> None:
        self.threads.add(threading.get_ident())
        if self.drawn == self.fail_at:
            raise OSError("the ring buffer went away")
        for row in range(len(images)):
            images[row] = self.drawn % 100
            labels[row] = self.drawn % 100 + 100
            self.drawn += 1


def check(device: torch.device, steps: int = 200, batch: int = 3, source: Optional[NumberedFrames] = None) -> int:
    """Every batch arrives whole and in order on `device`, read on the step's stream while later ones upload;
    returns the batches checked. On CUDA each step also queues a slow matrix product before its reads and the
    results are read back only at the end, so the GPU lags the thread that refills the slots, as in training.
    `python -m segman.prefetch` runs it on the GPU where there is one."""
    source = NumberedFrames() if source is None else source
    lag = torch.randn(2048, 2048, device=device) if device.type == "cuda" else None
    seen = []
    with BatchPrefetcher(source, batch, np.random.default_rng(0), device, depth=2) as batches:
        for _ in range(steps):
            images, labels = batches.next()
            if lag is not None:
                lag = (lag @ lag).clamp(-1, 1)
            seen.append(torch.stack((images.reshape(batch, -1).amin(1), images.reshape(batch, -1).amax(1),
                                     labels.reshape(batch, -1).amin(1))).long())
    got = torch.stack(seen).cpu()                               # (steps, 3, batch)
    expected = torch.arange(steps * batch).reshape(steps, 1, batch) % 100 + torch.tensor([0, 0, 100])[:, None]
    wrong = (got != expected).any(2).any(1).nonzero().flatten().tolist()
    if wrong:
        step = wrong[0]
        raise AssertionError(f"{len(wrong)} of {steps} batches wrong on {device}; batch {step}: "
                             f"(min, max, label min) {got[step].tolist()}, expected {expected[step].tolist()}")
    return steps


def main() -> None:
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print(f"prefetched batches intact on {device}: {check(device)} checked")


if __name__ == "__main__":
    main()
