"""Random but non-degenerate weights, for exports and parity fixtures without a checkpoint.

A freshly initialised SegMAN hides most of its graph: the relative position biases start at zero, the B/L
layer scales at 1e-6 and BatchNorm at identity statistics, so those paths barely touch the output. This
perturbs every tensor so that each of them matters, while keeping activations in a trained-like range.
"""

from __future__ import annotations

import torch

from .network import SegMAN, build_segman


def randomize(model: SegMAN, seed: int = 0) -> SegMAN:
    generator = torch.Generator().manual_seed(seed)

    def noise(tensor: torch.Tensor) -> torch.Tensor:
        return torch.randn(tensor.shape, generator=generator)

    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if not tensor.is_floating_point() or name.endswith("rope.angle"):
                continue
            if name.endswith("running_var"):
                tensor.copy_(torch.rand(tensor.shape, generator=generator) + 0.5)
            elif name.endswith("running_mean"):
                tensor.copy_(noise(tensor) * 0.1)
            elif name.endswith("A_logs"):
                tensor.copy_(noise(tensor) * 0.5)
            elif ".scale1." in name or ".scale2." in name:
                tensor.copy_(noise(tensor) * 0.3 + (0.5 if name.endswith("weight") else 0.0))
            elif "rpb" in name:
                tensor.copy_(noise(tensor) * 0.5)
            elif tensor.dim() > 1:
                tensor.add_(noise(tensor) * 0.02)
            else:
                tensor.add_(noise(tensor) * 0.1)
    return model


def random_model(variant: str, seed: int = 0, num_classes: int = 19) -> SegMAN:
    """A reproducible eval-mode model with random, non-degenerate weights."""
    torch.manual_seed(seed)
    return randomize(build_segman(variant, num_classes=num_classes), seed).eval()
