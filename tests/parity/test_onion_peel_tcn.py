"""Onion-peel parity: the TCN temporal pass on the fixture's OPN composites (independent of our OPN)."""
import pytest
import torch

from tempo.models.onion_peel import TCN, load_official
from tempo.models.onion_peel.demo import temporal_pass, to_uint8_truncated


pytestmark = pytest.mark.usefixtures("one_torch_thread")

TCN_TOL = 5e-4  # fixture README section 8 (recurrent over all frames)


@pytest.fixture(scope="module")
def fixture(parity_dir):
    d = parity_dir("onion_peel")
    outputs = torch.load(d / "outputs.pt", weights_only=True)
    return load_official(TCN(), d / "TCN.pth"), outputs


def test_tcn_outputs_hidden_and_images(fixture):
    tcn, outputs = fixture
    cases = [k for k, v in outputs.items() if isinstance(v, dict) and "ppeds" in v]
    assert cases
    for name in cases:
        out = outputs[name]
        ppeds, hidden = temporal_pass(tcn, out["comps"], out["holes"].float(), keep_hidden=len(out["tcn_hidden"]))
        assert (ppeds - out["ppeds"]).abs().max() <= TCN_TOL, name
        for f, ref in out["tcn_hidden"].items():
            assert (hidden[int(f)] - ref).abs().max() <= TCN_TOL, (name, f)
        diff = (to_uint8_truncated(ppeds).int() - out["est_uint8"].int()).abs()
        assert diff.max() <= 1 and (diff > 0).float().mean() < 0.01, name
