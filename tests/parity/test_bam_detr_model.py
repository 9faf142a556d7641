"""BAM-DETR forward parity with the official outputs (fixtures under <parity>/bam_detr, see its README)."""
import json

import pytest
import torch

from tempo.models.bam_detr import load_official, read_official_checkpoint

OUTPUT_KEYS = ["pred_logits", "pred_spans", "pred_quality", "memory_boundary", "saliency_scores"]


@pytest.fixture(scope="module")
def fx(parity_dir):
    d = parity_dir("bam_detr")
    load = lambda name: torch.load(d / name, map_location="cpu", weights_only=True)
    cfg = json.loads((d / "config.json").read_text())
    return dict(dir=d, cfg=cfg, inputs=load("inputs.pt"), outputs=load("outputs.pt"), inter=load("intermediates.pt"),
                atol=cfg["tolerances"]["recommended"]["model_outputs_atol"],
                atol_inter=cfg["tolerances"]["recommended"]["intermediates_atol"])


def run(model, batch, **kw):
    with torch.no_grad():
        return model(batch["src_txt"], batch["src_txt_mask"], batch["src_vid"], batch["src_vid_mask"], **kw)


def assert_outputs(out, ref, atol, rows=slice(None)):
    for k in OUTPUT_KEYS + ["saliency_scores_neg"]:
        if k in out and k in ref:
            torch.testing.assert_close(out[k], ref[k][rows], atol=atol, rtol=0, msg=k)
    for mine, theirs in zip(out["aux_outputs"], ref["aux_outputs"]):
        for k in theirs:
            torch.testing.assert_close(mine[k], theirs[k][rows], atol=atol, rtol=0, msg=f"aux {k}")


def test_checkpoint_needs_namespace_allow_list(fx):
    with pytest.raises(Exception):
        torch.load(fx["dir"] / "model.ckpt", map_location="cpu", weights_only=True)
    ckpt = read_official_checkpoint(fx["dir"] / "model.ckpt")
    assert set(ckpt) >= {"model", "opt", "epoch"}
    assert ckpt["epoch"] == fx["cfg"]["fixture"]["epoch"]


def test_builds_from_fixture_opt(fx):
    model, opt = load_official(fx["dir"] / "model.ckpt")
    for key in ("v_feat_dim", "t_feat_dim", "nheads", "num_queries", "dim_feedforward"):
        assert opt[key] == fx["cfg"]["opt"][key]
    assert model.num_queries == fx["cfg"]["model"]["num_queries"]


def test_single_items_match_official(fx):
    """B=1 outputs (the batch-invariant reference) within the recommended tolerance, plus intermediates."""
    model, _ = load_official(fx["dir"] / "model.ckpt")
    for i, item in enumerate(fx["inputs"]["single"]):
        out = run(model, item, with_negative=True, return_intermediates=True)
        assert_outputs(out, fx["outputs"]["single"][i], fx["atol"])
        ref = fx["inter"]["single"][i]
        for k in ("vid_proj", "txt_proj", "hs", "reference"):
            torch.testing.assert_close(out[k], ref[k], atol=fx["atol_inter"], rtol=0, msg=k)
        torch.testing.assert_close(out["t2v_video"], ref["t2v_video"].transpose(0, 1), atol=fx["atol_inter"], rtol=0)
        torch.testing.assert_close(out["encoder_out"], ref["encoder_out"].transpose(0, 1),
                                   atol=fx["atol_inter"], rtol=0)
        ranking = fx["outputs"]["single_ranking"][i]["scores"]
        torch.testing.assert_close(out["pred_quality"][..., 0], ranking, atol=fx["atol"], rtol=0)


def test_query_embed_constraint_in_place(fx):
    model, _ = load_official(fx["dir"] / "model.ckpt")
    torch.testing.assert_close(model.query_embed.weight.detach(), fx["outputs"]["query_embed_before_forward"],
                               atol=0, rtol=0)
    run(model, fx["inputs"]["single"][0])
    after = model.query_embed.weight.detach().clone()
    torch.testing.assert_close(after, fx["outputs"]["query_embed_after_forward"], atol=1e-6, rtol=0)
    run(model, fx["inputs"]["single"][0])  # idempotent
    assert torch.equal(model.query_embed.weight.detach(), after)


def test_padded_batch_bug_compatible_switch(fx):
    """The optional official text-to-video mask tiling reproduces the batched fixtures (both orders)."""
    model, _ = load_official(fx["dir"] / "model.ckpt", t2v_mask_bug_compatible=True)
    assert_outputs(run(model, fx["inputs"]["batch"], with_negative=True), fx["outputs"]["batch"], fx["atol"])
    order = fx["inputs"]["batch_reversed_order"]
    batch = {k: v[order] for k, v in fx["inputs"]["batch"].items()}
    out = run(model, batch)
    assert_outputs({k: out[k] for k in OUTPUT_KEYS + ["aux_outputs"]}, fx["outputs"]["batch_reversed"], fx["atol"])


def test_default_is_batch_composition_invariant(fx):
    """Without the official mask bug a row does not depend on the other items of the batch."""
    model, _ = load_official(fx["dir"] / "model.ckpt")
    batch = fx["inputs"]["batch"]
    order = fx["inputs"]["batch_reversed_order"]
    out = run(model, batch)
    out_rev = run(model, {k: v[order] for k, v in batch.items()})
    for k in OUTPUT_KEYS:
        torch.testing.assert_close(out_rev[k], out[k][order], atol=fx["atol"], rtol=0, msg=k)
    # a full-length item (no padded clips) in the batch equals that item alone
    n_clips = [m["n_clips"] for m in fx["inputs"]["meta"]]
    full = n_clips.index(batch["src_vid"].shape[1]) if batch["src_vid"].shape[1] in n_clips else None
    if full is not None:
        single = run(model, fx["inputs"]["single"][full])
        for k in ("pred_spans", "pred_quality", "pred_logits"):
            torch.testing.assert_close(out[k][full], single[k][0], atol=fx["atol"], rtol=0, msg=k)
