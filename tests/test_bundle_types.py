"""A checkpoint's JSON (and any JSON/YAML config) is data: it may name only types tempo registered.

mmengine's Registry resolves any dotted name (``subprocess.run``) to a callable, so before this check a
bundle ``evil.json`` beside ``evil.safetensors`` ran a shell command on ``tempo detect --checkpoint``.
Every test asserts the command did NOT run (no ``pwned`` file) and the user got one line naming the file.
"""
import json
import shutil
from pathlib import Path

import pytest
import torch

from media import make_video
from tempo.cli import main
from tempo.errors import InputError
from tempo.registry import BACKBONES, MODELS, STAGES, check_types

WEIGHTS = Path(__file__).resolve().parents[1] / "tempo" / "weights"
TRIDET = dict(type="TriDet", input_dim=77, num_classes=2, max_seq_len=32, embd_dim=16, fpn_dim=16, head_dim=16,
              sgp_mlp_dim=16, max_buffer_len_factor=2.0)


def payload(tmp_path) -> dict:
    return {"type": "subprocess.run", "args": ["sh", "-c", f"echo X >> '{tmp_path / 'pwned'}'"]}


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("v") / "clip.mp4", n=12, width=48, height=32, fps=10)


def evil_bundle(tmp_path, config) -> Path:
    """``evil.safetensors`` (readable: loaders that read the weights first still reach the config) + ``evil.json``."""
    from safetensors.torch import save_file

    (tmp_path / "evil.json").write_text(json.dumps(config))
    save_file({"x": torch.zeros(1)}, str(tmp_path / "evil.safetensors"))
    return tmp_path / "evil.safetensors"


def tiny_tridet(tmp_path, bundle: dict) -> Path:
    """A loadable TriDet bundle whose ``features`` come from ``bundle`` (so a run gets as far as features)."""
    from tempo.models.tridet import TriDet, save_tempo_checkpoint

    torch.manual_seed(0)
    weights = save_tempo_checkpoint(TriDet(**{k: v for k, v in TRIDET.items() if k != "type"}),
                                    tmp_path / "evil.safetensors", TRIDET)
    (tmp_path / "evil.json").write_text(json.dumps({"model": TRIDET, "classes": ["a", "b"], **bundle}))
    return weights


def run_refused(argv, tmp_path, capsys, needle="subprocess.run") -> str:
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert not (tmp_path / "pwned").exists(), "the bundle's command ran"
    assert len(err.splitlines()) == 1 and needle in err, err
    return err


@pytest.mark.parametrize("command", ["detect", "ground", "restore", "complete"])
def test_evil_bundle_refused_by_every_command(command, tmp_path, clip, capsys, monkeypatch):
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache"))
    weights = str(evil_bundle(tmp_path, payload(tmp_path)))
    argv = {"detect": ["detect", str(clip), "-o", str(tmp_path / "out")],
            "ground": ["ground", str(clip.parent), "a square moves"],
            "restore": ["restore", str(clip), "-o", str(tmp_path / "r.mp4")],
            "complete": ["complete", str(clip), "--box", "4,4,8,8", "-o", str(tmp_path / "c.mp4")]}[command]
    err = run_refused(argv + ["--checkpoint", weights], tmp_path, capsys)
    assert "evil.json" in err


def test_nested_type_in_a_model_config_refused(tmp_path, clip, capsys):
    """SeedVRRestorer builds its ``dit`` with MODELS.build: a type one level down runs just the same."""
    config = json.loads((WEIGHTS / "seedvr_synth.json").read_text())
    config["dit"] = payload(tmp_path)
    weights = evil_bundle(tmp_path, config)
    err = run_refused(["restore", str(clip), "-o", str(tmp_path / "r.mp4"), "--checkpoint", str(weights)],
                      tmp_path, capsys)
    assert "refused" in err and "not a tempo model type" in err


def test_type_at_any_depth_and_non_string_types_refused(tmp_path):
    deep = {"type": "TriDet", "test_cfg": {"hooks": [{"ok": 1}, {"inner": [payload(tmp_path)]}]}}
    with pytest.raises(InputError, match=r"refused: type 'subprocess.run' is not a tempo model type \(known: .*TriDet"):
        check_types(deep, "deep.json", MODELS)
    for bad in ({"type": 3}, {"type": ["TriDet"]}, {"type": "tempo.models.tridet.TriDet"}, {"type": "os:system"},
                {"type": "TriDet", "_scope_": "mmdet"}):
        with pytest.raises(InputError, match="refused"):
            check_types(bad, "x.json", MODELS)


def test_backbone_parts_in_a_detect_bundle_refused(tmp_path, clip, capsys, monkeypatch):
    """The feature backbone a bundle names (a Stack's parts included) is built from data too."""
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache"))
    weights = tiny_tridet(tmp_path, {"features": {"backbone": {"type": "Stack", "backbones": [
        "MotionStats", payload(tmp_path)]}, "fps": 10.0, "num_frames": 8, "stride": 4}})
    run_refused(["detect", str(clip), "-o", str(tmp_path / "out"), "--checkpoint", str(weights)], tmp_path, capsys)


def test_text_encoder_and_backbone_names_in_a_ground_bundle_refused(tmp_path, capsys):
    shipped = json.loads((WEIGHTS / "bam_detr_synth.json").read_text())
    for key, field, value in (("text", "encoder", "subprocess.run"),
                              ("video_features", "backbone", {"type": "TwoStream", "motion": payload(tmp_path)})):
        bundle = json.loads(json.dumps(shipped))
        bundle[key][field] = value
        weights = evil_bundle(tmp_path, bundle)
        run_refused(["ground", str(tmp_path), "a square", "--checkpoint", str(weights)], tmp_path, capsys)


def test_mmaction_config_file_named_by_a_bundle_refused(tmp_path, clip, capsys, monkeypatch):
    """A config file is Python that runs on load: a bundle may not point a backbone at one of its own."""
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache"))
    evil_py = tmp_path / "helper.py"
    evil_py.write_text(f"import os\nos.system(\"echo X >> '{tmp_path / 'pwned'}'\")\n")
    for backbone in ({"type": "I3D", "config": str(evil_py), "allow_random_init": True},
                     {"type": "I3D", "cfg_options": {"model.type": "subprocess.run"}}):
        weights = tiny_tridet(tmp_path, {"features": {"backbone": backbone, "num_frames": 8, "stride": 4}})
        run_refused(["detect", str(clip), "-o", str(tmp_path / "out"), "--checkpoint", str(weights)], tmp_path,
                    capsys, needle="refused")


def test_json_and_yaml_pipelines_are_data(tmp_path, clip, capsys):
    """``tempo run`` executes .py configs by design; JSON/YAML ones may name only tempo stages."""
    marker = tmp_path / "pwned"
    cases = {
        "stage.json": json.dumps({"stages": [payload(tmp_path)]}),
        "backbone.json": json.dumps({"stages": [{"type": "ExtractFeatures", "backbone": payload(tmp_path)}]}),
        "base.json": json.dumps({"_base_": [str(tmp_path / "helper.py")], "stages": []}),
        "tag.yaml": f"stages: !!python/object/apply:os.system [\"echo X >> '{marker}'\"]\n",
    }
    (tmp_path / "helper.py").write_text(f"import os\nos.system(\"echo X >> '{marker}'\")\nstages = []\n")
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        run_refused(["run", str(tmp_path / name), str(clip)], tmp_path, capsys, needle=name)


def test_run_help_says_python_configs_run_code(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "A .py pipeline config is Python: tempo executes it" in out and "run only configs you trust" in out


def test_json_pipeline_of_tempo_stages_runs(tmp_path, clip, capsys, monkeypatch):
    monkeypatch.setenv("TEMPO_CACHE_DIR", str(tmp_path / "cache"))
    pipe = tmp_path / "summary.json"
    pipe.write_text(json.dumps({"stages": [{"type": "Probe"}, {"type": "FrameSummary", "fps": 2.0, "width": 32}]}))
    assert main(["run", str(pipe), str(clip), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"][0]["video"] == str(clip)


def test_registries_resolve_only_registered_names(tmp_path):
    assert MODELS.get("subprocess.run") is None and MODELS.get("os.system") is None
    assert MODELS.get("TriDet") is not None and MODELS.get("tempo.TriDet") is MODELS.get("TriDet")
    assert STAGES.get("Probe") is not None
    with pytest.raises(InputError, match="refused: type 'subprocess.run' is not a tempo backbone type"):
        BACKBONES.build(payload(tmp_path))
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("name", ["tridet_synth", "bam_detr_synth", "seedvr_synth", "onion_peel_synth",
                                  "action_clipnet_synth"])
def test_shipped_bundles_pass_the_check(name):
    from tempo.registry import check_bundle  # one check for detection and grounding bundles

    path = WEIGHTS / f"{name}.json"
    cfg = json.loads(path.read_text())
    if name == "tridet_synth":
        check_bundle(cfg, path)
    elif name == "bam_detr_synth":
        check_bundle(cfg, path)
    else:
        check_types(cfg, path, MODELS)


def test_legit_bundle_copy_still_loads(tmp_path):
    """A copy of the embedded detector (a Stack backbone, nested names) loads through the check."""
    from tempo.tasks.detect import ActionDetector

    for suffix in (".safetensors", ".json"):
        shutil.copy(WEIGHTS / f"tridet_synth{suffix}", tmp_path / f"copy{suffix}")
    det = ActionDetector(checkpoint=tmp_path / "copy.safetensors", device="cpu")
    assert det.features["backbone"]["type"] == "Stack" and det.classes


def test_demo_checkpoint_picker_goes_through_the_check(tmp_path):
    """The demo builds the same MomentSearch / ActionDetector as the CLI from the checkpoint a visitor picks
    (among the files of the server's --checkpoint-dir)."""
    from tempo.ui.service import DemoService

    weights = evil_bundle(tmp_path, payload(tmp_path))
    service = DemoService(tmp_path, checkpoint_dir=weights.parent)
    for kind in ("search", "detect"):
        choice = service.choose(None, kind, weights.name)
        with pytest.raises(InputError, match="refused: type 'subprocess.run'"):
            service._engine(kind, service.checkpoint(choice, kind))
    assert not (tmp_path / "pwned").exists()
