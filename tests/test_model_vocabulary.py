"""The embedded models were trained on synthetic shapes: the CLI and the demo say what they know and warn
about query words outside it (issue #24, item 3)."""
import json

import pytest

from tempo.cli import main
from tempo.tasks.vocabulary import knows, query_note, synth_caption_words

SYNTH = {"trained_on": "tempo synth --task ground --preset small --seed 0 (train split)"}


def test_query_words_outside_the_synth_vocabulary_are_named():
    note = query_note("a person walking", SYNTH)
    assert note.startswith("note: the embedded grounder was trained on synthetic shapes")
    assert "outside its vocabulary: person, walking" in note and "CLIP" in note and "\n" not in note
    # every word of a synth caption is known, whatever synonym or template it uses
    assert query_note("The tiny crimson wedge turns counter-clockwise.", SYNTH) is None
    assert query_note("when the striped honeycomb cell changes its colour to turquoise", SYNTH) is None
    assert {"red", "triangle", "spins", "clockwise"} <= synth_caption_words()


def test_many_queries_give_one_line_and_unknown_bundles_none():
    note = query_note(["a dog barks", "a red square spins", "a person walking"], SYNTH)
    assert "(in 2 of 3 queries): dog, barks, person, walking" in note and "\n" not in note
    assert query_note("a person walking", {}) is None  # official weights: vocabulary unknown, no guessing
    assert "person, walking" in query_note("a person walking", {"vocabulary": ["a dog barks"]})
    assert query_note("a person walking", {"vocabulary": ["person", "walking"]}) is None


def test_the_shipped_bundles_say_what_they_know():
    search, detect = knows("search"), knows("detect")
    assert "synthetic" in search and "triangle" in search and "red" in search
    assert "13 synthetic actions" in detect and "move_left" in detect and "official TriDet" in detect


@pytest.fixture(scope="module")
def synth_ground_bundle(tmp_path_factory):
    """A tiny grounder (random weights) whose bundle says it was trained on tempo synth."""
    from grounder_tiny import write_tiny_grounder

    return write_tiny_grounder(tmp_path_factory.mktemp("w"), extra=SYNTH)


def _detect_bundle(folder, **extra):
    import torch
    from test_detect_cli import MODEL
    from tempo.models.tridet import TriDet, save_tempo_checkpoint

    torch.manual_seed(0)
    model = TriDet(**{k: v for k, v in MODEL.items() if k != "type"})
    path = save_tempo_checkpoint(model, folder / "tiny.safetensors", MODEL)
    path.with_suffix(".json").write_text(json.dumps({
        "model": MODEL, "classes": ["jump", "spin", "wave"], **extra,
        "features": {"backbone": "EfficientNetLite0", "layout": "detect", "fps": 10.0, "num_frames": 8, "stride": 4}}))
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    from media import make_video

    folder = tmp_path_factory.mktemp("clips")
    make_video(folder / "a.mp4", n=30, width=64, height=48, fps=10)
    return folder


def test_ground_cli_warns_once_on_stderr(synth_ground_bundle, clips, tmp_path, capfd):
    opts = ["--checkpoint", str(synth_ground_bundle), "--cache-dir", str(tmp_path / "c")]
    assert main(["ground", str(clips), "a person walking", *opts]) == 0
    out, err = capfd.readouterr()
    notes = [line for line in err.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "outside its vocabulary: person, walking" in notes[0]
    assert "a.mp4" in out  # the results still come, on stdout


def test_detect_cli_names_the_synthetic_classes(tmp_path, clips, capfd):
    argv = ["detect", str(clips / "a.mp4"), "-o", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c")]
    (tmp_path / "other").mkdir()
    assert main(argv + ["--checkpoint", str(_detect_bundle(tmp_path / "other"))]) == 0
    assert "note:" not in capfd.readouterr().err  # a bundle trained elsewhere: nothing to say
    (tmp_path / "synth").mkdir()
    synth = _detect_bundle(tmp_path / "synth", trained_on="tempo synth --task detect")
    assert main(argv + ["--checkpoint", str(synth)]) == 0
    notes = [line for line in capfd.readouterr().err.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "3 synthetic actions" in notes[0] and "jump, spin, wave" in notes[0]


def test_detect_help_names_the_default_features_and_what_it_knows(capsys):
    with pytest.raises(SystemExit):
        main(["detect", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "EfficientNet" not in text  # the default reads Stack features
    assert "Stack" in text and "MotionStats" in text and "ActionClipNet" in text
    assert "13 synthetic actions" in text and "official TriDet" in text
