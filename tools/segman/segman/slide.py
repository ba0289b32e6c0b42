"""Sliding-window inference, as the agent runs a model whose manifest has a `slide` block: each frame is resized to
the slide's frame size, windows of the model's input size are cut every stride (the last row and column of windows
moved back to end at the frame's edge, as mmsegmentation's `slide_inference`), and the windows' logits are summed at
the output size and divided by how many windows cover each cell. mmsegmentation upsamples each window's logits to
its input size before summing; that differs only within a cell of a window's inner edges."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

import torch

Size = Tuple[int, int]


def parse_size(text: str) -> Size:
    """'1024x2048' -> (1024, 2048): height x width."""
    try:
        height, width = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"'{text}' is not a size HEIGHTxWIDTH, e.g. 1024x2048") from None
    return height, width


def window_starts(frame: int, window: int, stride: int) -> List[int]:
    """The top row (or left column) of each window along one axis."""
    count = max(frame - window + stride - 1, 0) // stride + 1
    return [max(min(i * stride + window, frame) - window, 0) for i in range(count)]


def check_slide(frame: Size, window: Size, stride: Size, output_stride: int) -> None:
    """The agent's manifest rules for a slide: refuse what it would refuse, with the same fixes."""
    if frame[0] < window[0] or frame[1] < window[1]:
        raise ValueError(f"slide frame {frame[0]}x{frame[1]} is smaller than the input {window[0]}x{window[1]}")
    if not (0 < stride[0] <= window[0] and 0 < stride[1] <= window[1]):
        raise ValueError(f"slide strides {stride[0]}x{stride[1]} must be positive and at most the input "
                         f"{window[0]}x{window[1]}")
    if any(value % output_stride for value in (*frame, *stride)):
        raise ValueError(f"slide frame {frame[0]}x{frame[1]} and strides {stride[0]}x{stride[1]} must be multiples "
                         f"of the output stride {output_stride}")


def default_stride(window: Size, output_stride: int) -> Size:
    """Three quarters of the window (SegMAN's Cityscapes setting: 768 for 1024), on whole output cells."""
    return (max(window[0] * 3 // 4 // output_stride, 1) * output_stride,
            max(window[1] * 3 // 4 // output_stride, 1) * output_stride)


def checked_stride(frame: Size, window: Size, stride: Optional[str], output_stride: int) -> Size:
    """The stride given as 'RxC' (default: `default_stride`), with the slide checked as the agent checks it."""
    resolved = parse_size(stride) if stride else default_stride(window, output_stride)
    check_slide(frame, window, resolved, output_stride)
    return resolved


def manifest_block(frame: Size, stride: Size) -> Dict[str, int]:
    return {"height": frame[0], "width": frame[1], "rowStride": stride[0], "columnStride": stride[1]}


def slide_logits(run: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor, window: Size, stride: Size,
                 output_stride: int) -> torch.Tensor:
    """(N, 3, H, W) frames -> (N, C, H/s, W/s) logits averaged over the windows `run` is given."""
    height, width = images.shape[-2:]
    sums: Optional[torch.Tensor] = None
    counts = torch.zeros(height // output_stride, width // output_stride, device=images.device)
    for top in window_starts(height, window[0], stride[0]):
        for left in window_starts(width, window[1], stride[1]):
            logits = run(images[:, :, top:top + window[0], left:left + window[1]]).float()
            if sums is None:
                sums = logits.new_zeros(logits.shape[0], logits.shape[1], *counts.shape)
            rows = slice(top // output_stride, top // output_stride + logits.shape[2])
            columns = slice(left // output_stride, left // output_stride + logits.shape[3])
            sums[:, :, rows, columns] += logits
            counts[rows, columns] += 1
    assert sums is not None
    return sums / counts


def manifest_slide_logits(manifest: Dict[str, Any], run: Callable[[torch.Tensor], torch.Tensor],
                          images: torch.Tensor) -> torch.Tensor:
    """`slide_logits` with the windows, strides and output stride of a manifest (JSON) that has a `slide` block."""
    window = (manifest["input"]["height"], manifest["input"]["width"])
    stride = (manifest["slide"]["rowStride"], manifest["slide"]["columnStride"])
    return slide_logits(run, images, window, stride, manifest["output"]["stride"])


class SlidingModel(torch.nn.Module):
    """A segmentation model run over sliding windows of larger frames (`slide_logits`)."""

    def __init__(self, model: torch.nn.Module, window: Size, stride: Size, output_stride: int) -> None:
        super().__init__()
        self.model, self.window, self.stride, self.output_stride = model, window, stride, output_stride

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return slide_logits(self.model, images, self.window, self.stride, self.output_stride)
