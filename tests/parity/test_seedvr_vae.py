"""SeedVR causal video VAE against the official float32 results (full and chunked), and official keys."""
import json
from pathlib import Path

import torch
from mmengine.config import Config

from tempo.models.seedvr.vae import CausalVideoVAE, rename_legacy_keys
from tempo.registry import MODELS

REL_TOL = 1e-5
CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "seedvr"


def _rel(a, b):
    return ((a - b).abs().max() / b.abs().max()).item()


def _model(d):
    cfg = json.loads((d / "config.json").read_text())
    model = CausalVideoVAE(**cfg["constructor_kwargs"], scaling_factor=cfg["pipeline"]["scaling_factor"],
                           shifting_factor=cfg["pipeline"]["shifting_factor"])
    model.load_state_dict(torch.load(d / "model.pth", map_location="cpu", weights_only=True), strict=True)
    return cfg, model.eval()


def test_encode_decode_match_official(parity_dir):
    d = parity_dir("seedvr") / "vae_tiny"
    cfg, model = _model(d)
    for name in cfg["cases"]:
        case = torch.load(d / f"case_{name}.pt", map_location="cpu", weights_only=True)
        image = case["input"].dim() == 4
        with torch.no_grad():
            for chunked, prefix in ((False, ""), (True, "chunked_")):
                assert _rel(model.encode_moments(case["input"], chunked=chunked), case[prefix + "moments"]) < REL_TOL
                mean, logvar = model.encode(case["input"], chunked=chunked)
                assert _rel(mean, case[prefix + "mean"]) < REL_TOL
                assert _rel(logvar, case[prefix + "logvar"]) < REL_TOL
                decoded = model.decode(case[prefix + "mean"], chunked=chunked, image=image)
                assert decoded.shape == case[prefix + "decoded"].shape
                assert _rel(decoded, case[prefix + "decoded"]) < REL_TOL, (name, chunked)


def test_chunked_equals_full_on_a_longer_clip(parity_dir):
    _, model = _model(parity_dir("seedvr") / "vae_tiny")
    torch.manual_seed(0)
    x = torch.randn(1, 3, 1 + 4 * 3, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(model.encode_moments(x, chunked=True), model.encode_moments(x), rtol=0, atol=1e-5)
        z = torch.randn(1, 16, 5, 2, 2)
        full = model.decode(z)
        assert full.shape[2] == 17  # 5 latents -> 17 frames
        torch.testing.assert_close(model.decode(z, chunked=True), full, rtol=0, atol=1e-5)


def test_official_size_vae_keys(parity_dir):
    official = json.loads((parity_dir("seedvr") / "vae_tiny" / "official_keys.json").read_text())
    with torch.device("meta"):
        model = MODELS.build(Config.fromfile(CONFIGS / "seedvr_vae.py").vae)
    assert {k: list(v.shape) for k, v in model.state_dict().items()} == \
        {e["key"]: e["shape"] for e in official["state_dict"]}
    assert sum(p.numel() for p in model.parameters()) == official["num_parameters"]


def test_legacy_attention_keys_are_renamed():
    sd = {"encoder.mid_block.attentions.0.query.weight": 1, "encoder.mid_block.attentions.0.proj_attn.bias": 2,
          "encoder.conv_in.weight": 3}
    assert rename_legacy_keys(sd) == {"encoder.mid_block.attentions.0.to_q.weight": 1,
                                      "encoder.mid_block.attentions.0.to_out.0.bias": 2, "encoder.conv_in.weight": 3}


def test_official_vae_loader(parity_dir):
    from tempo.models.seedvr.checkpoint import load_official_vae
    d = parity_dir("seedvr") / "vae_tiny"
    cfg = json.loads((d / "config.json").read_text())
    model = load_official_vae(d / "model.pth", **cfg["constructor_kwargs"])
    case = torch.load(d / "case_image.pt", map_location="cpu", weights_only=True)
    with torch.no_grad():
        assert _rel(model.encode(case["input"])[0], case["mean"]) < REL_TOL
