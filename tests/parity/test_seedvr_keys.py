"""Official-size SeedVR configs built on the meta device have exactly the official state_dict."""
import json
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from tempo.registry import MODELS
import tempo.models.seedvr  # noqa: F401  (registers NaDiT)

CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "seedvr"


@pytest.mark.parametrize("folder,config", [("dit_tiny", "seedvr_3b.py"), ("dit7b_tiny", "seedvr_7b.py")])
def test_official_size_config_has_official_keys(parity_dir, folder, config):
    official = json.loads((parity_dir("seedvr") / folder / "official_keys.json").read_text())
    with torch.device("meta"):
        model = MODELS.build(Config.fromfile(CONFIGS / config).model)
    ours = {k: list(v.shape) for k, v in model.state_dict().items()}
    theirs = {e["key"]: e["shape"] for e in official["state_dict"]}
    assert ours == theirs
    buffers = {k for k, _ in model.named_buffers()}
    assert buffers == {e["key"] for e in official["state_dict"] if e["kind"] == "buffer"}
    assert sum(p.numel() for p in model.parameters()) == official["num_parameters"]


@pytest.mark.parametrize("folder", ["dit_tiny", "dit7b_tiny"])
def test_official_constructor_kwargs_build_official_keys(parity_dir, folder):
    official = json.loads((parity_dir("seedvr") / folder / "official_keys.json").read_text())
    from tempo.models.seedvr import NaDiT
    with torch.device("meta"):
        model = NaDiT(**official["constructor_kwargs"])
    assert {k: list(v.shape) for k, v in model.state_dict().items()} == \
        {e["key"]: e["shape"] for e in official["state_dict"]}


@pytest.mark.parametrize("config,folder,steps", [("seedvr2_3b_restore.py", "dit_tiny", 1),
                                                 ("seedvr_3b_restore.py", "dit_tiny", 50),
                                                 ("seedvr2_7b_restore.py", "dit7b_tiny", 1),
                                                 ("seedvr_7b_restore.py", "dit7b_tiny", 50)])
def test_restore_configs_use_official_dit_and_vae(parity_dir, config, folder, steps):
    official = json.loads((parity_dir("seedvr") / folder / "official_keys.json").read_text())
    cfg = Config.fromfile(CONFIGS / config)
    assert cfg.model.steps == steps
    with torch.device("meta"):
        model = MODELS.build(cfg.model)
    assert {k: list(v.shape) for k, v in model.dit.state_dict().items()} == \
        {e["key"]: e["shape"] for e in official["state_dict"]}
