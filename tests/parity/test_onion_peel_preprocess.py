"""Onion-peel parity, cheap part: checkpoint loading and the demo preprocessing (exact)."""
import pytest
import torch

from tempo.errors import InputError
from tempo.models.onion_peel import OPN, TCN, load_official
from tempo.models.onion_peel.checkpoint import official_state_dict
from tempo.models.onion_peel.demo import memory_selection, preprocess_clip


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def fixture(parity_dir):
    d = parity_dir("onion_peel")
    inputs = torch.load(d / "inputs.pt", weights_only=True)
    outputs = torch.load(d / "outputs.pt", weights_only=True)
    cases = [k for k, v in inputs.items() if isinstance(v, dict)]
    return d, inputs, outputs, cases


def case_options(case: dict) -> tuple[str, int]:
    """Video cases carry MEM_EVERY and use bilinear resize; the group demo uses bicubic and all images."""
    return ("linear", case["MEM_EVERY"]) if "MEM_EVERY" in case else ("cubic", 1)


@pytest.mark.parametrize("name,cls", [("OPN.pth", OPN), ("TCN.pth", TCN)])
def test_checkpoint_loads_strictly_as_float32(fixture, name, cls):
    d = fixture[0]
    raw = torch.load(d / name, map_location="cpu", weights_only=True)
    model = load_official(cls(), d / name)
    params = dict(model.named_parameters())
    assert all(p.dtype == torch.float32 for p in params.values())
    for key, value in params.items():  # every parameter came from the file, not from the random init
        assert torch.equal(value, raw[f"module.{key}"].float()), key


def test_checkpoint_rejects_missing_or_unprefixed_keys(fixture, tmp_path):
    d = fixture[0]
    raw = torch.load(d / "OPN.pth", map_location="cpu", weights_only=True)
    broken = dict(raw)
    broken.pop("module.Decoder.conv21.input_conv.weight")
    torch.save(broken, tmp_path / "broken.pth")
    with pytest.raises(InputError, match="missing"):
        load_official(OPN(), tmp_path / "broken.pth")
    with pytest.raises(InputError, match="unexpected"):  # a TCN file is not an OPN
        load_official(OPN(), d / "TCN.pth")
    # Without the buffers and without the prefix (a non-DataParallel save) the file still loads.
    plain = {k[len("module."):]: v for k, v in raw.items() if "mean" not in k and "std" not in k}
    torch.save(plain, tmp_path / "plain.pth")
    assert torch.equal(load_official(OPN(), tmp_path / "plain.pth").Encoder.conv12.input_conv.weight,
                       raw["module.Encoder.conv12.input_conv.weight"].float())
    assert set(official_state_dict(OPN())) <= set(raw)


def test_preprocessing_is_exact(fixture):
    _, inputs, outputs, cases = fixture
    for name in cases:
        case, out = inputs[name], outputs[name]
        interpolation, mem_every = case_options(case)
        p = preprocess_clip(case["raw_frames"].numpy(), case["raw_masks"].numpy(), (case["H"], case["W"]),
                            interpolation)
        assert torch.equal(p["frames"], out["frames"]), name
        assert torch.equal(p["holes"].to(torch.uint8), out["holes"]), name
        assert torch.equal(p["valids"], 1 - out["holes"].float()), name
        assert torch.equal(p["dists"], out["dists"]), name
        midx, ridx = memory_selection(case["raw_frames"].shape[0], mem_every)
        assert midx == out["midx"] and ridx == out["ridx"], name
