"""`detect` writes real H.264 videos whose decoded pixels agree with the ActivityNet-style annotations."""
import json

import numpy as np
import pytest

from tempo.data.synth import ACTION_NAMES, Preset, generate
from tempo.data.synth.render import SceneRenderer
from tempo.data.synth.seeding import Job, scene_plan
from tempo.io import VideoReader

from test_synth_helpers import tiny_spec

PRESET = Preset("test", {"train": 2, "val": 1, "test": 1}, tiny_spec(objects=(2, 4)))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth_detect")
    paths = generate("detect", PRESET, seed=11, out_dir=out, workers=2)
    return out, paths


def _plan(out, vid, split):
    return scene_plan(Job("detect", PRESET, 11, split, int(vid.rsplit("_", 1)[1]), str(out)))


def test_activitynet_format_and_splits(dataset):
    out, paths = dataset
    assert [p.name for p in paths] == ["detect.json"]
    doc = json.loads(paths[0].read_text())
    assert doc["classes"] == ACTION_NAMES and len(ACTION_NAMES) >= 10
    db = doc["database"]
    assert sorted(v["subset"] for v in db.values()) == ["testing", "training", "training", "validation"]
    for vid, v in db.items():
        info = VideoReader(out / v["video"]).info
        assert info.num_frames == v["num_frames"] == round(v["duration"] * v["fps"])
        assert (info.width, info.height) == (128, 96) and abs(info.fps - v["fps"]) < 1e-6
        assert v["annotations"], vid
        for a in v["annotations"]:
            s, e = a["segment"]
            assert 0 <= s < e <= v["duration"] and ACTION_NAMES[a["label_id"]] == a["label"]
    # several instances per video, some overlapping in time (on different objects)
    overlaps = 0
    for v in db.values():
        segs = sorted(a["segment"] for a in v["annotations"])
        overlaps += sum(b[0] < a[1] for a, b in zip(segs, segs[1:]))
    assert overlaps > 0


def test_decoded_pixels_match_the_annotations(dataset):
    out, paths = dataset
    db = json.loads(paths[0].read_text())["database"]
    checked_absent = checked_present = 0
    for vid, v in db.items():
        split = {"training": "train", "validation": "val", "testing": "test"}[v["subset"]]
        plan = _plan(out, vid, split)
        insts = plan.instances
        assert [[round(i.start, 4), round(i.end, 4)] for i in insts] == [a["segment"] for a in v["annotations"]]
        assert [i.action for i in insts] == [a["label"] for a in v["annotations"]]
        renderer = SceneRenderer(plan)
        reader = VideoReader(out / v["video"])
        for inst in insts:
            a, b = int(round(inst.start * plan.fps)), int(round(inst.end * plan.fps))
            decoded = reader.get_frames([a, b]).astype(np.float32)
            for k, i in enumerate((a, b)):
                # the file is the rendered frame, encoded (x264 at CRF 18)
                mse = np.mean((decoded[k] - renderer.frame(i)) ** 2)
                assert 10 * np.log10(255**2 / mse) > 30
            # Where the object is when it is surely visible: after "disappears" the decoded pixels there
            # are background (as rendered without it); in a visible frame they are the object's.
            visible_at, check_at = {"appear": (b, b), "disappear": (a, b), "blink": (b, b)}.get(inst.action, (a, a))
            where = renderer.object_mask(inst.obj, visible_at)
            for o in plan.objects:  # leave out pixels another object may cover
                if o.index != inst.obj:
                    where &= ~(renderer.object_mask(o.index, visible_at) | renderer.object_mask(o.index, check_at))
            if where.sum() < 10:
                continue
            without = renderer.frame(check_at, hide={inst.obj}).astype(np.float32)
            diff = np.abs(decoded[0 if check_at == a else 1] - without)[where].mean()
            if inst.action == "disappear":
                assert diff < 6, (vid, inst, diff)
                checked_absent += 1
            else:
                assert diff > 6, (vid, inst, diff)
                checked_present += 1
    assert checked_present > 0 and checked_absent > 0, (checked_present, checked_absent)
