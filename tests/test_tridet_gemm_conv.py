"""``tridet.gemm_conv.conv1d`` (issue 21): under a CPU bfloat16 autocast at inference a conv is one bfloat16 GEMM
that agrees with torch's own autocast conv; everywhere else it is the module's conv, bit for bit."""
import pytest
import torch
from torch import nn

from tempo.models.tridet.gemm_conv import conv1d


@pytest.mark.parametrize("in_ch,out_ch,kernel,bias", [(48, 32, 3, True), (32, 64, 1, True), (40, 24, 5, False)])
def test_gemm_conv_matches_the_autocast_conv(in_ch, out_ch, kernel, bias):
    torch.manual_seed(0)
    conv = nn.Conv1d(in_ch, out_ch, kernel, padding=kernel // 2, bias=bias)
    x = torch.randn(2, in_ch, 37)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        ours, torchs = conv1d(conv, x), conv(x)
    assert ours.dtype == torch.bfloat16 and ours.shape == torchs.shape
    exact = conv(x).detach()
    # both round the products' inputs to bfloat16 and accumulate in float32: the same error scale against float32
    scale = exact.abs().max()
    assert (ours.float() - exact).abs().max() <= 0.02 * scale
    assert (ours.float() - torchs.float()).abs().max() <= 0.02 * scale


def test_gemm_conv_is_the_module_outside_bfloat16_inference():
    torch.manual_seed(0)
    conv = nn.Conv1d(16, 8, 3, padding=1)
    x = torch.randn(1, 16, 20)
    with torch.no_grad():
        assert torch.equal(conv1d(conv, x), conv(x))  # float32: the parity path is untouched
    with torch.autocast("cpu", dtype=torch.bfloat16):  # gradients on (training): torch's autocast conv
        assert torch.equal(conv1d(conv, x), conv(x))
    strided = nn.Conv1d(16, 8, 3, stride=2, padding=1)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        assert torch.equal(conv1d(strided, x), strided(x))


def test_gemm_conv_recasts_after_the_weights_change():
    torch.manual_seed(0)
    conv = nn.Conv1d(8, 8, 3, padding=1)
    x = torch.randn(1, 8, 12)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        before = conv1d(conv, x)
        conv.weight.mul_(2.0)  # an in-place update (optimiser step, load_state_dict) bumps the version
        after = conv1d(conv, x)
    assert not torch.equal(before, after)
    assert (after.float() - 2 * before.float() + conv.bias.float()[:, None]).abs().max() < 0.1
