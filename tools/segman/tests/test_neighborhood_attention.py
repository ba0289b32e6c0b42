import numpy as np
import pytest
import torch

from naive import neighborhood_attention_2d_naive
from segman.ops.neighborhood_attention import neighborhood_attention_2d, window_tables


def _qkv(batch, heads, height, width, dim, seed=0):
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(batch, heads, height, width, dim, generator=g) for _ in range(3))


@pytest.mark.parametrize("height,width,kernel,dilation", [
    (7, 7, 7, 1), (8, 11, 7, 1), (9, 9, 9, 1), (12, 13, 11, 1), (5, 6, 3, 1),
    (10, 9, 3, 2), (16, 17, 5, 3),
])
def test_na_matches_naive_loop(height, width, kernel, dilation):
    q, k, v = _qkv(2, 2, height, width, 5)
    rpb = torch.randn(2, 2 * kernel - 1, 2 * kernel - 1)
    expected = neighborhood_attention_2d_naive(q.numpy(), k.numpy(), v.numpy(), kernel, dilation, rpb.numpy())
    actual = neighborhood_attention_2d(q, k, v, kernel, dilation, rpb)
    err = np.abs(actual.double().numpy() - expected).max() / (1 + np.abs(expected).max())
    assert err < 1e-5


def test_na_without_bias_and_zero_query_is_window_mean():
    _, k, v = _qkv(1, 1, 9, 10, 3, seed=2)
    q = torch.zeros_like(k)
    out = neighborhood_attention_2d(q, k, v, 5)
    # The query at (0, 0) sees rows 0-4 and columns 0-4; the one at (4, 9) sees rows 2-6, columns 5-9.
    assert torch.allclose(out[0, 0, 0, 0], v[0, 0, 0:5, 0:5].mean(dim=(0, 1)), atol=1e-6)
    assert torch.allclose(out[0, 0, 4, 9], v[0, 0, 2:7, 5:10].mean(dim=(0, 1)), atol=1e-6)


def test_window_tables_reject_small_maps():
    with pytest.raises(ValueError, match="at least"):
        window_tables(6, 7, 1)


def test_every_bias_row_is_in_table():
    for length, kernel, dilation in [(7, 7, 1), (20, 11, 1), (17, 5, 3)]:
        keys, rows = window_tables(length, kernel, dilation)
        assert keys.min() >= 0 and keys.max() < length
        assert rows.min() >= 0 and rows.max() <= 2 * kernel - 2


def test_fused_formulation_matches_the_gather_reference_with_gradients() -> None:
    # Eager here (the formulation is what torch.compile fuses on CUDA); borders, dilation and RPB included.
    from segman.ops.fused import check_attention
    for shape in [(1, 2, 13, 17, 8, 5, 1), (2, 1, 11, 23, 4, 3, 3)]:
        out_error, grad_error = check_attention(*shape, device=torch.device("cpu"), seed=shape[4])
        assert out_error < 1e-5 and grad_error < 1e-5


def test_tiled_formulation_matches_the_gather_reference_with_gradients() -> None:
    # Maps of 8-query tiles, of smaller tiles (13 and 17 are prime: one query per tile) and dilated windows.
    from segman.ops.tiled_na import check
    for shape in [(2, 1, 24, 40, 8, 11, 1), (1, 2, 13, 17, 8, 5, 1), (2, 1, 12, 22, 4, 3, 3)]:
        out_error, grad_error = check(*shape, device=torch.device("cpu"), seed=shape[4])
        assert out_error < 1e-5 and grad_error < 1e-5


@pytest.mark.parametrize("length,kernel,dilation", [(64, 11, 1), (16, 9, 1), (23, 5, 2), (20, 3, 3), (8, 7, 1)])
def test_every_query_window_lies_in_its_tile_region(length, kernel, dilation) -> None:
    from segman.ops.tiled_na import axis_tiles
    keys, rows = window_tables(length, kernel, dilation)
    axis = axis_tiles(length, kernel, dilation)
    assert length % axis.tile == 0 and 0 <= axis.starts.min() and axis.starts.max() + axis.region <= length
    for query in range(length):
        tile, slot = divmod(query, axis.tile)
        bias_rows = axis.bias_rows[tile, slot]
        inside = np.flatnonzero(bias_rows != 2 * kernel - 1)
        # Exactly the window's keys are unmasked, with their RPB rows.
        assert list(axis.starts[tile] + inside) == list(keys[query])
        assert list(bias_rows[inside]) == list(rows[query])


def test_tables_made_before_compilation_are_the_ones_the_attention_uses() -> None:
    from segman.ops import tiled_na
    device = torch.device("cpu")
    tiled_na.prepare_tables([(24, 40, 11, 1), (20, 24, 9, 2)], device)
    for length, kernel, dilation in [(24, 11, 1), (40, 11, 1), (20, 9, 2), (24, 9, 2)]:
        assert (length, kernel, dilation, device) in tiled_na._DEVICE_TABLES
    made = dict(tiled_na._DEVICE_TABLES)
    q, k, v = (torch.randn(1, 1, 24, 40, 4) for _ in range(3))
    tiled_na.tiled_neighborhood_attention_2d(q, k, v, 11)
    assert all(tiled_na._DEVICE_TABLES[key] is made[key] for key in made), "nothing is rebuilt"


def test_tables_are_keyed_by_the_indexed_device(monkeypatch) -> None:
    # The training loop says `cuda`, a GPU tensor says `cuda:0`: one key, or the compiled blocks make the tables
    # again from numpy while tracing.
    from segman.ops.devices import indexed_device
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    assert indexed_device(torch.device("cuda")) == torch.device("cuda", 0)
    assert indexed_device(torch.device("cuda", 1)) == torch.device("cuda", 1)
    assert indexed_device(torch.device("cpu")) == torch.device("cpu")
    assert torch.device("cuda") != torch.device("cuda", 0), "why the index is added"
    # Each cache looks up what was made for `cuda:0` when asked for `cuda` (a sentinel: nothing is built).
    from segman.ops import flex_na, fused, tiled_na
    made = object()
    monkeypatch.setitem(tiled_na._DEVICE_TABLES, (32, 9, 1, torch.device("cuda", 0)), made)
    monkeypatch.setitem(fused._TABLES, (32, 9, 1, torch.device("cuda", 0)), made)
    monkeypatch.setitem(flex_na._MASKS, (16, 32, 9, 1, torch.device("cuda", 0)), made)
    assert tiled_na._device_tables(32, 9, 1, torch.device("cuda")) is made
    assert fused._tables(32, 9, 1, torch.device("cuda")) is made
    assert flex_na.block_mask(16, 32, 9, 1, torch.device("cuda")) is made


def sdpa_math(q, k, v, attn_mask=None, scale=None):
    """scaled_dot_product_attention's documented math, for PyTorch builds without it."""
    logits = torch.matmul(q, k.transpose(-1, -2)) * (q.shape[-1] ** -0.5 if scale is None else scale)
    return torch.matmul(torch.softmax(logits + attn_mask, dim=-1), v)


def test_fused_tile_products_lay_out_heads_tiles_and_padding_as_the_kernel_expects(monkeypatch) -> None:
    # The fused path hands one (batch, heads x tiles, rows, padded dim) problem to scaled_dot_product_attention;
    # with its math standing in, the result must still be the gather reference's (dims 4 and 36 are padded).
    from segman.ops import tiled_na
    monkeypatch.setattr(torch.nn.functional, "scaled_dot_product_attention", sdpa_math, raising=False)
    for shape in [(2, 2, 16, 24, 36, 5, 1), (1, 1, 13, 17, 4, 3, 2)]:
        out_error, grad_error = tiled_na.check(*shape, device=torch.device("cpu"), seed=shape[4], fused=True)
        assert out_error < 1e-5 and grad_error < 1e-5


def test_fused_products_under_autocast_run_in_its_dtype_without_round_trips(monkeypatch) -> None:
    # Under autocast the fused kernel gets every input in the autocast dtype, cast once: the regions are gathered in
    # the inputs' own dtypes (fp32 q and k as the rotary embedding leaves them, bf16 v), v is not taken up to q's
    # fp32 on the way, and the result comes back in q's dtype.
    from segman.ops import tiled_na
    kernel_dtypes, casts = [], []

    def recording_sdpa(q, k, v, attn_mask=None, scale=None):
        kernel_dtypes.extend([q.dtype, k.dtype, v.dtype, attn_mask.dtype])
        casts.append("kernel")
        return sdpa_math(q, k, v, attn_mask, scale)
    monkeypatch.setattr(torch.nn.functional, "scaled_dot_product_attention", recording_sdpa, raising=False)
    monkeypatch.setattr(tiled_na, "_autocast_dtype", lambda device_type: torch.bfloat16)
    gathered = []
    regions = tiled_na.regions
    monkeypatch.setattr(tiled_na, "regions", lambda x, *a: gathered.append(x.dtype) or regions(x, *a))
    to = torch.Tensor.to
    monkeypatch.setattr(torch.Tensor, "to", lambda x, *a, **k: casts.append((x.dtype, *a)) or to(x, *a, **k))
    generator = torch.Generator().manual_seed(3)
    q, k = (torch.randn(1, 2, 16, 16, 8, generator=generator) for _ in range(2))
    v = torch.randn(1, 2, 16, 16, 8, generator=generator).bfloat16()
    rpb = torch.randn(2, 9, 9, generator=generator)

    out = tiled_na.tiled_neighborhood_attention_2d(q * 8 ** -0.5, k, v, 5, rpb=rpb, fused=True)

    assert gathered == [torch.float32, torch.bfloat16] and out.dtype == torch.float32
    assert kernel_dtypes == [torch.bfloat16] * 4
    before_kernel = casts[:casts.index("kernel")]
    assert (torch.bfloat16, torch.float32) not in before_kernel  # nothing of bf16 went up to fp32 on the way in
    expected = neighborhood_attention_2d(q * 8 ** -0.5, k, v.float(), 5, rpb=rpb)
    assert (out - expected).abs().max().item() < 0.05 * expected.abs().max().item()


def test_chosen_products_apply_to_calls_that_do_not_say(monkeypatch) -> None:
    from segman.ops import tiled_na
    used = []
    monkeypatch.setattr(tiled_na, "_fused_products", lambda *a: used.append("fused") or tiled_na._explicit_products(*a))
    q, k, v = (torch.randn(1, 1, 16, 16, 8) for _ in range(3))
    try:
        tiled_na.choose_products(True)
        tiled_na.tiled_neighborhood_attention_2d(q, k, v, 5)
        tiled_na.choose_products(None)
        tiled_na.tiled_neighborhood_attention_2d(q, k, v, 5)     # the CPU has no fused kernel: explicit
    finally:
        tiled_na.choose_products(None)
    assert used == ["fused"]
