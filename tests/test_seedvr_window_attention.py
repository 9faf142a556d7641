"""Grouped (batched by window shape) window attention equals the naive per-window loop."""
import pytest
import torch

from tempo.models.seedvr.rope import WindowRoPE
from tempo.models.seedvr.window_attention import window_attention, window_attention_naive
from tempo.models.seedvr.windows import partition, window_shape


@pytest.mark.parametrize("kind", ["mmrope3d", "pixel", None])
@pytest.mark.parametrize("grid,shifted", [((3, 7, 11), False), ((3, 7, 11), True), ((5, 9, 6), True)])
def test_grouped_equals_naive(kind, grid, shifted):
    torch.manual_seed(0)
    heads, head_dim, txt_len = 2, 24, 5
    rope = None if kind is None else WindowRoPE(kind, head_dim, rope_dim=head_dim)
    # a small reference area so the grid splits into windows of several shapes (border windows)
    windows = partition(grid, (2, 2, 2), shifted=shifted, reference_area=16, temporal_cap=4)
    assert len({window_shape(w) for w in windows}) > 1
    n = grid[0] * grid[1] * grid[2]
    vid = [torch.randn(n, heads, head_dim, dtype=torch.float64) for _ in range(3)]
    txt = [torch.randn(txt_len, heads, head_dim, dtype=torch.float64) for _ in range(3)]
    fast = window_attention(*vid, *txt, grid, windows, rope)
    slow = window_attention_naive(*vid, *txt, grid, windows, rope)
    torch.testing.assert_close(fast[0], slow[0], rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(fast[1], slow[1], rtol=1e-10, atol=1e-10)


def test_text_output_is_mean_over_windows():
    # With v_txt constant and video values equal to it, every output row equals that constant.
    grid, heads, d = (2, 4, 4), 1, 8
    windows = partition(grid, (2, 2, 2), reference_area=4, temporal_cap=2)
    assert len(windows) > 1
    n = 2 * 4 * 4
    value = torch.arange(d, dtype=torch.float32)
    q, k = torch.randn(n, heads, d), torch.randn(n, heads, d)
    v = value.expand(n, heads, d).clone()
    out_v, out_t = window_attention(q, k, v, torch.randn(3, heads, d), torch.randn(3, heads, d),
                                    value.expand(3, heads, d).clone(), grid, windows, None)
    torch.testing.assert_close(out_v, v)
    torch.testing.assert_close(out_t, value.expand(3, heads, d))
