"""Exponential moving averages of a model's weights, kept beside training: w_avg <- decay * w_avg + (1 - decay) * w
after every optimiser step, floating-point buffers (batch norm statistics) included, others copied. Several decays
can ride along one run, so that the raw weights and each average are scored on the same scenes at its end."""

from __future__ import annotations

from typing import Dict, List

import torch
from torch import nn


class WeightAverage:
    """The average of `model`'s state with one `decay`, on the model's device."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f"an average's decay must lie in (0, 1), not {decay}")
        self.decay = decay
        # The state's tensors share storage with the model's, which the optimiser updates in place: listed once.
        state = model.state_dict()
        self.state: Dict[str, torch.Tensor] = {name: value.detach().clone() for name, value in state.items()}
        floating = [name for name, value in state.items() if value.is_floating_point()]
        self._averaged: List[torch.Tensor] = [self.state[name] for name in floating]
        self._current: List[torch.Tensor] = [state[name] for name in floating]
        self._copied = [(self.state[name], value) for name, value in state.items() if not value.is_floating_point()]

    @torch.no_grad()
    def update(self) -> None:
        """Moves the average towards the model's current state."""
        weight = 1.0 - self.decay
        if hasattr(torch, "_foreach_lerp_"):
            torch._foreach_lerp_(self._averaged, self._current, weight)        # a few launches for all tensors
        else:
            for averaged, current in zip(self._averaged, self._current):
                averaged.lerp_(current, weight)
        for averaged, current in self._copied:
            averaged.copy_(current)

    def name(self) -> str:
        """A label for reports and file names: `ema0.998`."""
        return f"ema{self.decay:g}"
