import pytest
import torch
from torch import nn

from segman.ema import WeightAverage


def test_the_average_follows_the_weights_by_its_decay_and_copies_counters() -> None:
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    average = WeightAverage(model, 0.75)
    start = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        model[0].weight.add_(4.0)
        model[1].running_mean.fill_(8.0)
        model[1].num_batches_tracked.fill_(5)
    average.update()
    assert torch.allclose(average.state["0.weight"], start["0.weight"] + 1.0)       # a quarter of the step
    assert torch.allclose(average.state["1.running_mean"], torch.full((2,), 2.0))
    assert int(average.state["1.num_batches_tracked"]) == 5
    assert torch.equal(average.state["0.bias"], start["0.bias"]), "unchanged weights stay"
    assert average.name() == "ema0.75"
    loaded = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    loaded.load_state_dict(average.state)
    assert torch.equal(loaded[0].weight, average.state["0.weight"])


def test_a_decay_outside_the_open_unit_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="decay"):
        WeightAverage(nn.Linear(2, 2), 1.0)
