import numpy as np
import pytest
import torch

from naive import selective_scan_2d_naive
from segman.ops.selective_scan import scan_chunked, scan_logdepth, selective_scan_2d, softplus


def _inputs(batch: int, channels: int, state: int, height: int, width: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    u = torch.randn(batch, channels, height, width, generator=g)
    delta = torch.randn(batch, 4, channels, height, width, generator=g)
    B = torch.randn(batch, 4, state, height, width, generator=g)
    C = torch.randn(batch, 4, state, height, width, generator=g)
    A = -torch.exp(torch.randn(4 * channels, state, generator=g) * 0.5)
    D = torch.randn(4 * channels, generator=g)
    bias = torch.randn(4 * channels, generator=g) - 1.0
    return u, delta, B, C, A, D, bias


def _max_err(actual: torch.Tensor, expected: np.ndarray) -> float:
    return float(np.abs(actual.double().numpy() - expected).max() / (1 + np.abs(expected).max()))


@pytest.mark.parametrize("method", ["chunked", "logdepth"])
@pytest.mark.parametrize("shape", [(2, 3, 1, 5, 7), (1, 2, 2, 6, 6), (1, 2, 1, 1, 9), (1, 1, 3, 13, 11)])
def test_scan_matches_naive_loop(method, shape):
    inputs = _inputs(*shape)
    expected = selective_scan_2d_naive(*(t.numpy() for t in inputs))
    # A small chunk forces several chunk levels on these short sequences.
    actual = selective_scan_2d(*inputs, method=method, chunk=4)
    assert actual.shape == inputs[0].shape
    assert _max_err(actual, expected) < 1e-5


def test_chunked_scan_long_sequence_matches_float64_recurrence():
    g = torch.Generator().manual_seed(1)
    length = 5000
    log_decay = -torch.rand(3, length, generator=g) * 0.05
    b = torch.randn(3, length, generator=g)
    expected = np.zeros((3, length))
    h = np.zeros(3)
    a64, b64 = np.exp(log_decay.double().numpy()), b.double().numpy()
    for t in range(length):
        h = a64[:, t] * h + b64[:, t]
        expected[:, t] = h
    for chunk in (64, 128, 256):
        assert _max_err(scan_chunked(log_decay, b, chunk), expected) < 1e-4
    assert _max_err(scan_logdepth(torch.exp(log_decay), b), expected) < 1e-4


def test_scan_handles_large_delta_without_overflow():
    inputs = list(_inputs(1, 2, 1, 4, 4, seed=3))
    inputs[6] = torch.full_like(inputs[6], 25.0)          # Δ + bias ~ 25: softplus is the identity branch
    expected = selective_scan_2d_naive(*(t.numpy() for t in inputs))
    actual = selective_scan_2d(*inputs)
    assert torch.isfinite(actual).all()
    assert _max_err(actual, expected) < 1e-5


def test_softplus_threshold_matches_torch():
    x = torch.linspace(-30, 60, 1000)
    assert torch.allclose(softplus(x), torch.nn.functional.softplus(x), rtol=1e-6, atol=1e-6)
    assert torch.equal(softplus(torch.tensor([20.5, 40.0])), torch.tensor([20.5, 40.0]))


def test_fp16_inputs_computed_in_fp32():
    inputs = _inputs(1, 4, 1, 6, 5, seed=5)
    half = [t.half() if i < 4 else t for i, t in enumerate(inputs)]
    expected = selective_scan_2d_naive(*(t.float().numpy() for t in half))
    actual = selective_scan_2d(*half)
    assert actual.dtype == torch.float16
    assert _max_err(actual.float(), expected) < 2e-2


def test_scan_gradients_flow():
    inputs = [t.clone().requires_grad_(i in (0, 1, 2, 3)) for i, t in enumerate(_inputs(1, 2, 1, 5, 5))]
    selective_scan_2d(*inputs).square().sum().backward()
    assert all(torch.isfinite(t.grad).all() for t in inputs[:4])


def test_inside_a_compiled_block_the_scan_runs_as_its_own_compiled_graph(monkeypatch):
    # The block's graph breaks around the scan, which runs the separately compiled graph instead of being traced again.
    from segman.ops import fused
    called = []

    def spy(*inputs):
        called.append(len(inputs))
        return fused._run_compiled_scan(*inputs)

    monkeypatch.setattr(fused, "_is_compiling", lambda: True)
    monkeypatch.setattr(fused, "_scan_beside_the_graph", spy)
    u, delta, B, C, A, D, bias = _inputs(1, 4, 1, 5, 6, seed=3)
    expected = selective_scan_2d(u, delta, B, C, A, D, bias, True, "chunked", 128)
    torch.testing.assert_close(fused.fused_selective_scan_2d(u, delta, B, C, A, D, bias), expected)
    assert called == [9]
