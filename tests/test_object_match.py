"""The object stage of the default grounder: blobs and crops, the match columns' arithmetic, the bundled networks on
rendered scenes (segmenter, query parser, slots as a backbone = slots of a whole video), the grounding dataset's
match columns, and tiny mmengine training runs of the three trainers through tools/train.py."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from tempo.data.synth.render import SceneRenderer
from tempo.data.synth.seeding import jobs_for, scene_plan
from tempo.models.object_match.labels import FACTORS, HEADS, SLOT_DIM, label_ids, slot_slices
from tempo.models.object_match.match import MATCH_COLUMNS, PARSE_DIM, match_columns
from tempo.models.object_match.objects import CHANNELS, CROP, crops, find_blobs

REPO = Path(__file__).resolve().parents[1]
WEIGHTS = REPO / "tempo" / "weights"


def _tool(name):
    spec = importlib.util.spec_from_file_location(f"tempo_tool_{name}", REPO / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _slot(shape, colour, size, texture, action, objectness=1.0):
    s = np.zeros(SLOT_DIM, np.float32)
    where = slot_slices()
    s[0] = objectness
    for name, value in (("shape", shape), ("colour", colour), ("size", size), ("texture", texture),
                        ("action", action)):
        s[where[name]][HEADS[name].index(value)] = 1.0
    return s


def _parse(action, **said):
    parts = []
    for name, values in FACTORS.items():
        p = np.zeros(len(values) + 1, np.float32)
        p[values.index(said[name]) if name in said else len(values)] = 1.0
        parts.append(p)
    a = np.zeros(len(HEADS["action"]), np.float32)
    a[HEADS["action"].index(action)] = 1.0
    vec = np.concatenate(parts + [a])
    assert vec.shape == (PARSE_DIM,)
    return vec


def test_match_columns_tell_the_described_object_from_another_doing_the_action():
    red_circle_still = _slot("circle", "red", "large", "plain", "none")
    blue_square_left = _slot("square", "blue", "small", "dotted", "move_left")
    red_circle_left = _slot("circle", "red", "large", "plain", "move_left")
    rows = np.stack([np.concatenate([red_circle_still, blue_square_left]),
                     np.concatenate([red_circle_left, np.zeros(SLOT_DIM, np.float32)])])
    cols = match_columns(rows, _parse("move_left", shape="circle", colour="red"))
    assert cols.shape == (2, MATCH_COLUMNS)
    # row 0: the circle is there (attributes 1) and something moves left (action 1), but not the circle (full 0)
    np.testing.assert_allclose(cols[0], [0.0, 1.0, 1.0])
    np.testing.assert_allclose(cols[1], [1.0, 1.0, 1.0])
    # a factor the query does not name always matches; a named one that differs never does
    assert match_columns(rows[1:], _parse("move_left", shape="circle"))[0, 0] == 1.0
    assert match_columns(rows[1:], _parse("move_left", shape="circle", size="small"))[0, 0] == 0.0
    # no object (objectness 0) matches nothing
    empty = np.concatenate([_slot("circle", "red", "large", "plain", "move_left", objectness=0.0)] * 2)[None]
    np.testing.assert_allclose(match_columns(empty, _parse("move_left", shape="circle")), 0.0)


def test_label_ids_mark_unknown_attributes_of_a_blob_that_is_no_object():
    assert label_ids(None, None).tolist() == [-1, -1, -1, -1, HEADS["action"].index("none")]
    ids = label_ids({"shape": "star", "colour": "pink", "size": "small", "texture": "dotted"}, "grow")
    assert [HEADS[k][i] for k, i in zip(HEADS, ids)] == ["star", "pink", "small", "dotted", "grow"]


def test_blobs_are_the_middle_frames_objects_plus_those_seen_only_elsewhere():
    fg = np.zeros((5, 40, 60), np.float32)
    fg[:, 5:11, 5:11] = 1.0  # an object in every frame
    fg[2, 20:30, 30:45] = 1.0  # a bigger one in the middle frame only
    fg[0, 30:34, 50:56] = 1.0  # one that is hidden at the middle frame
    blobs = find_blobs(fg, mid=2)
    assert [b.area for b in blobs] == [150, 36, 24]  # largest first
    assert (blobs[0].y, blobs[0].x) == (2 * 24.5 + 1, 2 * 37 + 1)  # native pixels (half resolution x 2)
    frames = np.random.default_rng(0).integers(0, 255, (5, 80, 120, 3), dtype=np.uint8)
    cut = crops(frames, fg, blobs)
    half = CROP // 2  # stored at half resolution
    assert cut.shape == (3, 5, half, half, CHANNELS) and cut.dtype == np.uint8
    # the object's own blob is centred in its crop, and the RGB is the frame's (2x2 means)
    own = cut[1, 0, :, :, 4] > 127
    ys, xs = np.nonzero(own)
    assert abs(ys.mean() - half / 2) < 1.5 and abs(xs.mean() - half / 2) < 1.5
    y0, x0 = int(round(blobs[1].y)) - CROP // 2, int(round(blobs[1].x)) - CROP // 2  # even: 2x2 cells align
    means = frames[3].reshape(40, 2, 60, 2, 3).mean((1, 3))
    np.testing.assert_array_equal(cut[1, 3, -y0 // 2:-y0 // 2 + 5, -x0 // 2:-x0 // 2 + 5, :3],
                                  (means[:5, :5] + 0.5).astype(np.uint8))


def _tiny_scene(index=0):
    job = [j for j in jobs_for("ground", "tiny", 0, "-") if j.split == "train"][index]
    return SceneRenderer(scene_plan(job))


def test_bundled_segmenter_finds_the_rendered_objects():
    from tempo.models.object_match.export import load_stage_model
    from tempo.models.object_match.samples import segmentation_sample
    from tempo.models.object_match.slots import foreground_maps

    net = load_stage_model(WEIGHTS / "object_foreground_synth.safetensors").network
    renderer = _tiny_scene()
    inter = union = 0
    for i in range(0, renderer.plan.num_frames, 25):
        frame, mask = segmentation_sample(renderer, i)
        pred = foreground_maps(net, frame[None])[0] > 0.5
        inter += (pred & (mask > 0.5)).sum()
        union += (pred | (mask > 0.5)).sum()
    assert inter / union > 0.8


def test_bundled_query_parser_reads_the_object_and_the_action():
    from tempo.models.object_match.parse import QueryParse
    from tempo.tasks.object_query import BUNDLED_QUERY_PARSER

    parse = QueryParse(BUNDLED_QUERY_PARSER)
    p = parse(["the large red circle moves to the left", "a dotted star spins clockwise"])
    assert p.shape == (2, PARSE_DIM)

    def read(vec):
        out, start = {}, 0
        for name, values in FACTORS.items():
            i = int(vec[start:start + len(values) + 1].argmax())
            out[name] = values[i] if i < len(values) else None
            start += len(values) + 1
        out["action"] = HEADS["action"][int(vec[start:].argmax())]
        return out

    assert read(p[0]) == {"shape": "circle", "colour": "red", "size": "large", "texture": None, "action": "move_left"}
    assert read(p[1]) == {"shape": "star", "colour": None, "size": None, "texture": "dotted", "action": "rotate_cw"}


def test_object_slots_backbone_gives_the_rows_of_the_whole_video_path():
    from tempo.features.object_slots import ObjectSlots
    from tempo.features.windows import centered_windows
    from tempo.models.object_match.slots import SLOTS_DIM, video_slot_rows

    from tempo.models.text_clipnet.frames import fit_square

    renderer = _tiny_scene(1)
    # the backbone sees frames at its input size (short side 224, centre crop), so the whole-video path gets them too
    frames = np.stack([fit_square(renderer.frame(i), ObjectSlots.input_size) for i in range(40)])
    backbone = ObjectSlots()
    model = backbone.model
    whole = video_slot_rows(model["segmenter"], model["recogniser"], frames, 10.0)
    plan = centered_windows(len(frames), 10.0, 16, 4)
    clips = np.stack([frames[plan.clip_positions(i, 16)] for i in range(len(plan))])
    rows = backbone.forward_clips(clips)
    assert rows.shape == whole.shape == (10, SLOTS_DIM)
    np.testing.assert_allclose(rows, whole, atol=1e-5)
    slots = rows.reshape(10, -1, SLOT_DIM)
    assert (slots[:, :, 0] > 0.5).any(), "no object found in a scene with objects"
    assert np.all(np.diff(slots[:, :, 0], axis=1) <= 0)  # most object-like first


def test_grounding_dataset_appends_the_match_columns_unnormalised(tmp_path):
    from tempo.data.grounding_dataset import GroundingFeatureDataset
    from tempo.models.object_match.slots import SLOTS_DIM

    for d in ("video", "text", "slots", "parse"):
        (tmp_path / d).mkdir()
    np.savez(tmp_path / "video" / "v.npz", features=np.ones((6, 8), np.float32))
    slots = np.zeros((6, SLOTS_DIM), np.float32)
    slots[2, :SLOT_DIM] = _slot("circle", "red", "large", "plain", "grow")
    np.savez(tmp_path / "slots" / "v.npz", features=slots)
    np.save(tmp_path / "parse" / "qid3.npy", _parse("grow", shape="circle"))
    np.savez(tmp_path / "text" / "qid3.npz", last_hidden_state=np.ones((4, 5), np.float32))
    ann = tmp_path / "a.jsonl"
    ann.write_text(json.dumps({"qid": 3, "query": "q", "vid": "v", "duration": 1.6, "relevant_windows": [[0.4, 0.8]],
                               "relevant_clip_ids": [], "saliency_scores": []}) + "\n")
    ds = GroundingFeatureDataset(ann, [tmp_path / "video"], tmp_path / "text", clip_len=0.27,
                                 object_match={"slots": tmp_path / "slots", "parse": tmp_path / "parse"})
    item = ds[0]["src_vid"].numpy()
    assert item.shape == (6, 8 + MATCH_COLUMNS + 2)
    np.testing.assert_allclose(np.linalg.norm(item[:, :8], axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(item[:, 8:11], [[1, 1, 1] if r == 2 else [0, 0, 0] for r in range(6)])


@pytest.mark.parametrize("which", ["foreground", "objects"])
def test_tiny_training_runs_export_stage_weights(which, tmp_path):
    from tempo.models.object_match.export import load_stage_model

    common = """
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(sources=[dict(preset="tiny", seed=0, split="train")], per_scene=2, repeats=1))
val_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(sources=[dict(preset="tiny", seed=0, split="val")], per_scene=2))
test_dataloader = val_dataloader
param_scheduler = []
"""
    if which == "foreground":
        extra = "model = dict(width=4, dilations=(1, 2))\n"
    else:  # samples made once with the bundled segmenter, as the recipe does
        from tempo.models.object_match.cache import build

        seg = str(WEIGHTS / "object_foreground_synth.safetensors")
        for split in ("train", "val"):
            assert build(tmp_path / split, [("tiny", 0, split)], seg, windows=2, workers=1) > 0
        common = common.replace("sources=[dict(preset=\"tiny\", seed=0, split=\"train\")], per_scene=2, repeats=1", "")
        common = common.replace("sources=[dict(preset=\"tiny\", seed=0, split=\"val\")], per_scene=2", "")
        extra = (f"model = dict(widths=(4, 4, 4, 4), embed=8, temporal=8, track_width=4)\n"
                 f"train_dataloader = dict(dataset=dict(cache_dir={str(tmp_path / 'train')!r}))\n"
                 f"val_dataloader = dict(dataset=dict(cache_dir={str(tmp_path / 'val')!r}))\n")
    cfg = tmp_path / "tiny.py"
    cfg.write_text(f"_base_ = [{str(REPO / 'configs/object_match' / (which + '.py'))!r}]\n{common}{extra}")
    torch.manual_seed(0)
    assert _tool("train").main([str(cfg), "--work-dir", str(tmp_path / "wd")]) == 0
    trainer = load_stage_model(tmp_path / "wd" / "final.safetensors")
    assert type(trainer).__name__ == {"foreground": "ForegroundTrainer", "objects": "ObjectClipTrainer"}[which]


def test_search_rows_get_the_query_columns_and_refuse_rows_without_slots():
    from tempo.models.object_match.slots import SLOTS_DIM
    from tempo.tasks.object_query import BUNDLED_QUERY_PARSER, ObjectQueryMatch

    match = ObjectQueryMatch({"parser": str(BUNDLED_QUERY_PARSER), "aligned_dims": 4}, BUNDLED_QUERY_PARSER)
    rows = np.zeros((3, 4 + SLOTS_DIM), np.float32)
    rows[:, :4] = 0.5
    rows[1, 4:4 + SLOT_DIM] = _slot("square", "blue", "small", "striped", "rotate_cw")
    parse = match.parse("a small blue square spins clockwise")
    out = match.head_rows(rows, parse)
    assert out.shape == (3, 4 + MATCH_COLUMNS)
    np.testing.assert_array_equal(out[:, :4], rows[:, :4])
    assert out[1, 4] > 0.9 and out[0, 4] == out[2, 4] == 0.0
    assert match.head_rows(rows, match.parse("a big red circle grows"))[1, 4] < 0.01
    with pytest.raises(ValueError, match="object slot dims"):
        match.head_rows(rows[:, :4], parse)


def test_a_query_parser_path_to_other_weights_is_one_clear_error():
    from tempo.errors import InputError
    from tempo.models.object_match.parse import QueryParse

    with pytest.raises(InputError, match="not a QueryParser"):
        QueryParse(WEIGHTS / "object_foreground_synth.safetensors")


def _disc_crops(centres, radii, colours, size=48, t=8):
    """(1, T, C, S, S) crops in [-1, 1] of one disc per frame (centre y, x in cells), its blob at the middle frame."""
    yy, xx = np.mgrid[:size, :size] + 0.5
    x = np.full((1, t, CHANNELS, size, size), -1.0, np.float32)
    for i, ((cy, cx), r, c) in enumerate(zip(centres, radii, colours)):
        disc = (yy - cy) ** 2 + (xx - cx) ** 2 <= r ** 2
        for ch in range(3):
            x[0, i, ch][disc] = c[ch] / 127.5 - 1
        x[0, i, 3][disc] = 1.0
    x[0, :, 4] = x[0, t // 2, 3]
    return torch.as_tensor(x)


@pytest.mark.parametrize("case", ["right", "up", "grow", "recolour", "blink", "still"])
def test_tracks_follow_the_object_through_its_crops(case):
    from tempo.models.object_match.tracks import TRACK_FEATURES, crop_tracks

    t = np.arange(8) - 4
    centres = [(24, 24)] * 8
    radii, colours = [6] * 8, [(220, 40, 35)] * 8
    if case == "right":
        centres = [(24, 24 + 2 * k) for k in t]
    elif case == "up":
        centres = [(24 - 2 * k, 24) for k in t]
    elif case == "grow":
        radii = [6 * 1.08 ** k for k in t]
    elif case == "recolour":
        colours = [(220 - 20 * (k + 4), 40 + 20 * (k + 4), 35) for k in t]
    elif case == "blink":
        radii = [6, 6, 6, 6, 6, 6, 0, 0]
    f = crop_tracks(_disc_crops(centres, radii, colours), 4)[0].numpy()
    assert f.shape == (8, TRACK_FEATURES) and np.isfinite(f).all()
    np.testing.assert_allclose(f[4, :9], 0, atol=1e-5)  # everything relative to the middle frame
    mass, dy, dx, red_shift = f[:, 0], f[:, 1], f[:, 2], f[:, 6]
    if case == "right":
        assert np.all(np.diff(dx) > 0.25) and np.abs(dy).max() < 1e-3
    elif case == "up":
        assert np.all(np.diff(dy) < -0.25) and np.abs(dx).max() < 1e-3
    elif case == "grow":
        assert np.all(np.diff(mass) > 0.05) and np.abs(dx).max() < 0.05
    elif case == "recolour":
        assert np.all(np.diff(red_shift) < -0.2) and np.abs(mass).max() < 1e-2
    elif case == "blink":  # hidden: almost no mass, and the last place is kept
        assert mass[6:].max() < -5 and np.abs(f[:, 1:3]).max() < 1e-3
    else:
        np.testing.assert_allclose(f[:, :9], 0, atol=1e-2)  # the soft disc keeps ~99 % of the mass
