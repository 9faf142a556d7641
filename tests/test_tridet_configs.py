"""The TriDet configs: the synthetic-benchmark model fits the shipping budget, and the optimiser groups match
the official ones (no weight decay on biases, norms and learnable scales)."""
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

import tempo.models.tridet  # noqa: F401  (registers TriDet)
from tempo.data.synth.actions import ACTION_NAMES
from tempo.registry import MODELS

CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "tridet"


def test_synth_config_fits_the_budget():
    cfg = Config.fromfile(str(CONFIGS / "synth_clipnet.py"))
    model = MODELS.build(cfg.model)
    from tempo.features.stage import backbone_cfg, build_backbone
    from tempo.tasks.detect import DEFAULT_FEATURES

    # the default detector reads the default features (MotionStats + ActionClipNet, stacked)
    assert cfg.model.input_dim == build_backbone(backbone_cfg(DEFAULT_FEATURES["backbone"])).feature_dim
    assert cfg.train_dataloader.dataset.input_dim == cfg.val_dataloader.dataset.input_dim == cfg.model.input_dim
    assert cfg.model.num_classes == len(ACTION_NAMES)
    assert sum(p.numel() * p.element_size() for p in model.parameters()) <= 30e6
    assert cfg.max_seq_len % model.max_div_factor == 0
    # the longest `small` preset video (30 s at 15 fps) fits one training window
    assert (30 * 15 - cfg.num_frames) // cfg.feat_stride + 1 <= cfg.max_seq_len


@pytest.mark.parametrize("name", ["thumos14_i3d.py", "anet_tsp.py", "synth_effnet.py"])
def test_no_decay_on_bias_norm_and_scales(name):
    cfg = Config.fromfile(str(CONFIGS / name))
    model = MODELS.build(dict(cfg.model, input_dim=32, embd_dim=32, fpn_dim=32, head_dim=16, sgp_mlp_dim=16))
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    decay_of = {}
    names = {id(p): n for n, p in model.named_parameters()}
    for group in wrapper.optimizer.param_groups:
        for p in group["params"]:
            decay_of[names[id(p)]] = group["weight_decay"]
    assert set(decay_of) == set(names.values())
    for pname, decay in decay_of.items():
        no_decay = (pname.endswith("bias") or "norm" in pname or ".ln." in pname or ".gn." in pname
                    or pname.endswith("scale"))
        assert (decay == 0.0) == no_decay, pname
    assert decay_of["backbone.stem.0.convkw.weight"] == cfg.optim_wrapper.optimizer.weight_decay
