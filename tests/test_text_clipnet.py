"""TextClipNet: caption meanings, exact (window, caption) labels from the scene plans, the binding negatives,
a tiny mmengine training run through tools/train.py on rendered `tempo synth` frames, and the exported weights
as a feature backbone and a text encoder of the same space."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from tempo.data.synth.seeding import jobs_for, scene_plan
from tempo.errors import InputError
from tempo.models.text_clipnet import dataset as dataset_module
from tempo.models.text_clipnet.bank import CaptionBank, build_bank
from tempo.models.text_clipnet.instances import instance_table, pair_labels
from tempo.models.text_clipnet.sampling import KIND_HARD, KIND_POSITIVE, hard_negatives, window_captions
from tempo.models.text_clipnet.semantics import (ACTIONS, all_semantics, from_ids, from_query, phrase,
                                                 semantic_ids)

REPO = Path(__file__).resolve().parents[1]


def _tool(name):
    spec = importlib.util.spec_from_file_location(f"tempo_tool_{name}", REPO / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _plan(index=0):
    return scene_plan([j for j in jobs_for("ground", "tiny", 0, "-") if j.split == "train"][index])


def test_every_meaning_has_one_id_and_back():
    sems = all_semantics()
    assert sems.shape == (40480, 6)
    ids = semantic_ids(sems)
    assert len(np.unique(ids)) == len(sems)
    np.testing.assert_array_equal(from_ids(ids), sems)
    assert (sems[:, 0] >= 0).all()  # the shape is always named
    assert ((sems[:, 5] >= 0) <= (sems[:, 4] == ACTIONS.index("change_colour"))).all()


def test_phrase_names_the_new_colour_only_when_the_meaning_has_one():
    rng = np.random.default_rng(0)
    cc = ACTIONS.index("change_colour")
    to_blue = np.array([0, 0, -1, -1, cc, 2])
    any_colour = np.array([0, 0, -1, -1, cc, -1])
    blue = ("blue", "azure", "cobalt")
    assert all(any(w in text for w in blue) for text in [phrase(to_blue, rng) for _ in range(10)])
    assert not any(any(w in text for w in blue) for text in [phrase(any_colour, rng) for _ in range(20)])


def test_synth_queries_are_positive_over_their_windows_and_their_action_swap_is_not():
    """The labels reproduce `tempo synth --task ground`'s ground truth: a query's relevant windows are
    positive for it; the same description with another action is negative there (unless that happens too)."""
    from tempo.data.synth.seeding import rng_for
    from tempo.data.synth.writers.ground import queries_of

    job = [j for j in jobs_for("ground", "tiny", 0, "-") if j.split == "train"][1]
    plan = scene_plan(job)
    table = instance_table(plan)
    checked = 0
    for q in queries_of(plan, rng_for(job, "caption")):
        sem = from_query(q)
        for s, e in q["windows"]:
            if e - s < 0.6:
                continue
            mid = (s + e) / 2
            centre, full = np.array([[mid - 0.1, mid + 0.1]]), np.array([[mid - 0.2, mid + 0.2]])
            assert pair_labels(table, sem[None], centre, full)[0] == 1
            checked += 1
    assert checked >= 3
    # a window where nothing happens is negative for every meaning
    empty = np.array([[plan.duration + 1, plan.duration + 2]])
    assert (pair_labels(table, all_semantics()[:500], empty, empty) == 0).all()


def test_hard_negatives_keep_the_object_or_the_action_and_change_the_other():
    rng = np.random.default_rng(1)
    sem = np.array([3, 1, 2, -1, ACTIONS.index("grow"), -1])
    for _ in range(20):
        other_action, other_object = hard_negatives(sem, rng)[:2]
        assert (other_action[:4] == sem[:4]).all() and other_action[4] != sem[4]
        assert other_object[4] == sem[4] and (other_object[:4] != sem[:4]).sum() == 1


def test_window_captions_describe_what_acts_in_the_window():
    plan = _plan(0)
    table = instance_table(plan)
    j = int(np.argmax(table.end - table.start))
    mid = (table.start[j] + table.end[j]) / 2
    centre = np.array([mid - 0.1, mid + 0.1])
    sems, kinds = window_captions(table, centre, np.random.default_rng(0), all_semantics(), positives=2, randoms=3)
    labels = pair_labels(table, sems, centre[None], np.array([[mid - 0.2, mid + 0.2]]))
    assert (labels[kinds == KIND_POSITIVE] == 1).all()
    assert (kinds == KIND_HARD).sum() >= 2 and (kinds == 0).sum() == 3


def test_clip_frames_are_the_ones_feature_extraction_samples():
    from tempo.features.windows import detect_windows

    plan = detect_windows(200, 15.0, 16, 4)
    for w in (0, 3, 40):
        np.testing.assert_array_equal(dataset_module.clip_positions(w * 4, 16, 8), plan.clip_positions(w, 8))


@pytest.fixture(scope="module")
def shape_bank(tmp_path_factory):
    """The bank of meanings that name the shape only (184 captions through the real MiniLM)."""
    return build_bank(tmp_path_factory.mktemp("bank") / "bank.npz", attributes=("shape",))


def test_bank_holds_unit_embeddings_of_its_meanings(shape_bank):
    bank = CaptionBank(shape_bank)
    sems = from_ids(bank.ids)
    assert len(sems) == 8 * 23 and (sems[:, 1:4] < 0).all()
    emb = bank.embeddings(sems[:5])
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=0.02)
    assert not bank.contains(np.array([[0, 1, -1, -1, 0, -1]]))[0]
    with pytest.raises(InputError):
        CaptionBank(shape_bank.parent / "missing.npz")


def test_tiny_training_run_exports_a_backbone_and_text_encoder_of_one_space(shape_bank, tmp_path):
    cfg = tmp_path / "tiny.py"
    cfg.write_text(f"""_base_ = [{str(REPO / 'configs/text_clipnet/synth.py')!r}]
clip = dict(input_size=32, clip_frames=4, window_frames=16, stride=8)
model = dict(widths=(4, 8), temporal_strides=(1, 2), embed_dim=16, text_hidden=32, input_size=32, clip_frames=4,
             init_body=None, stride=8)
common = dict(type="TextClipWindowDataset", bank={str(shape_bank)!r}, cache_dir={str(tmp_path / 'frames')!r}, **clip)
train_dataloader = dict(batch_size=16, num_workers=0, persistent_workers=False,
    dataset=dict(common, sources=[dict(preset="tiny", seed=0, split="train")], training=True, _delete_=True))
val_dataloader = dict(batch_size=16, num_workers=0, persistent_workers=False,
    dataset=dict(common, sources=[dict(preset="tiny", seed=0, split="val")], _delete_=True))
test_dataloader = val_dataloader
max_epochs = 1
train_cfg = dict(max_epochs=1)
param_scheduler = []
default_hooks = dict(checkpoint=dict(save_best=None))
""")
    torch.manual_seed(0)
    assert _tool("train").main([str(cfg), "--work-dir", str(tmp_path / "wd")]) == 0
    weights = tmp_path / "wd" / "final.safetensors"
    from tempo.registry import BACKBONES, TEXT_ENCODERS

    backbone = BACKBONES.build({"type": "TextClipNet", "checkpoint": str(weights)})
    assert (backbone.num_frames, backbone.input_size, backbone.feature_dim) == (4, 32, 16)
    clips = np.random.default_rng(0).integers(0, 255, (3, 16, 48, 64, 3), dtype=np.uint8)  # resampled + cropped
    video = backbone.forward_clips(clips)
    assert video.shape == (3, 16)
    np.testing.assert_allclose(np.linalg.norm(video, axis=1), 1.0, atol=1e-5)
    text = TEXT_ENCODERS.build({"type": "TextClipText", "checkpoint": str(weights)})
    emb = text.encode(["the red circle grows", "a square spins clockwise"])
    assert emb.shape == (2, 16)
    p = text.match_probability(video, emb)
    assert p.shape == (3, 2) and ((p > 0) & (p < 1)).all()
    # the cache key: the same file gives the same id
    assert backbone.weights_id() == BACKBONES.build({"type": "TextClipNet", "checkpoint": str(weights)}).weights_id()
