"""BAM-DETR from a random official-format checkpoint with another head / query count than the public fixture
(4 heads, 7 queries instead of 8 / 10).

Why pred_logits may differ from the official by a little over 1e-5 on such configs: it is float32 summation order,
not an op-order difference. Measured with the official Pilhyeon/BAM-DETR code in a scratch dir (same random
weights, B=1 items, both run in float64 with their position tables in float64): official vs tempo pred_logits agree
to 5e-14 (4 heads / 7 queries), 8e-14 (8 / 10), 8e-14 (2 / 20); in float32 they differ by 2.1e-5 / 2.4e-5 / 2.4e-5,
and EACH float32 run is 1.7e-5 .. 3.8e-5 from the float64 value (the official's own float32 error is as large as
tempo's). The gap scales with the logits' size (weights), not with the head / query count. This test pins that
budget on tempo's side: float32 stays within the float32 error the official also has of the exact (float64) value."""
import argparse

import pytest
import torch

from tempo.models.bam_detr import load_official
from tempo.models.bam_detr.checkpoint import build_from_official_opt

FIXTURE_OPT = {"v_feat_dim": 66, "t_feat_dim": 32, "hidden_dim": 256, "enc_layers": 2, "dec_layers": 2,
               "dim_feedforward": 64, "dropout": 0.1, "input_dropout": 0.5, "n_input_proj": 2, "max_q_l": 32,
               "use_txt_pos": False, "aux_loss": True, "quality_loss": True, "pre_norm": False, "a_feat_dim": None,
               "span_loss_type": "l1", "ctx_mode": "video_tef"}


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    opt = dict(FIXTURE_OPT, nheads=4, num_queries=7)
    torch.manual_seed(0)
    model = build_from_official_opt(opt)
    state = {k: v + 0.05 * torch.randn_like(v) if v.is_floating_point() else v for k, v in model.state_dict().items()}
    path = tmp_path_factory.mktemp("ckpt") / "model.ckpt"
    torch.save({"model": state, "opt": argparse.Namespace(**opt), "epoch": 3}, path)  # the official layout
    return path


def run(model, vid, txt):
    with torch.no_grad():
        return model(txt, torch.ones(txt.shape[:2], dtype=txt.dtype), vid, torch.ones(vid.shape[:2], dtype=vid.dtype))


def test_other_head_and_query_count_is_float32_rounding_only(checkpoint):
    model, opt = load_official(checkpoint)  # strict load: the shapes follow nheads / num_queries
    assert opt["nheads"] == 4 and model.num_queries == 7
    g = torch.Generator().manual_seed(1)
    vid, txt = torch.randn(1, 75, 66, generator=g), torch.randn(1, 20, 32, generator=g)
    out32 = run(model, vid, txt)
    assert out32["pred_logits"].shape[1] == 7
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        out64 = run(model.double(), vid.double(), txt.double())
    finally:
        torch.set_default_dtype(default)
    err = {k: float((out32[k].double() - out64[k]).abs().max()) for k in ("pred_logits", "pred_spans", "pred_quality")}
    # official float32 vs float64 on this config family: up to 3.8e-5 on pred_logits, < 3e-6 elsewhere
    assert err["pred_logits"] < 5e-5 and err["pred_spans"] < 1e-5 and err["pred_quality"] < 1e-5, err
    assert err["pred_logits"] > 0  # float32 really rounds (the check is not comparing a run with itself)
