"""A grounder bundle made on TextClipNet rows refuses other TextClipNet weights, and one made on object slots other
object stage weights (their rows would mean something else to the head): one clear error naming the bundle, not a
silent drop in quality."""
import json
import shutil

import pytest

from tempo.errors import InputError
from tempo.tasks.ground import DEFAULT_GROUNDER, MomentSearch


def test_bundle_for_other_textclipnet_weights_is_refused(tmp_path):
    bundle = tmp_path / "grounder.safetensors"
    shutil.copy(DEFAULT_GROUNDER, bundle)
    meta = json.loads(DEFAULT_GROUNDER.with_suffix(".json").read_text())
    backbone = meta["video_features"]["backbone"]
    assert "TextClipNet" in (backbone, *(backbone.get("backbones", []) if isinstance(backbone, dict) else []))
    assert meta["video_features"]["weights_id"]
    shutil.copy(DEFAULT_GROUNDER.with_suffix(".json"), bundle.with_suffix(".json"))
    for extra in DEFAULT_GROUNDER.parent.glob("object_query_parser_synth.*"):  # the object stage's parser, if used
        shutil.copy(extra, tmp_path / extra.name)
    MomentSearch(bundle)  # as shipped: accepted
    meta["video_features"]["weights_id"] = "file:" + "0" * 40
    bundle.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(InputError, match="other TextClipNet weights") as err:
        MomentSearch(bundle)
    assert str(bundle) in str(err.value)


def test_bundle_for_other_object_stage_weights_is_refused(tmp_path):
    meta = json.loads(DEFAULT_GROUNDER.with_suffix(".json").read_text())
    if not meta.get("object_match"):
        pytest.skip("the embedded grounder reads no object slots")
    assert meta["object_match"]["slots_weights_id"]
    bundle = tmp_path / "grounder.safetensors"
    shutil.copy(DEFAULT_GROUNDER, bundle)
    for extra in DEFAULT_GROUNDER.parent.glob("object_query_parser_synth.*"):
        shutil.copy(extra, tmp_path / extra.name)
    meta["object_match"]["slots_weights_id"] = "file:" + "0" * 40
    bundle.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(InputError, match="other object stage weights") as err:
        MomentSearch(bundle)
    assert str(bundle) in str(err.value)
