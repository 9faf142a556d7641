"""``tempo extract``: folders with bad files, both layouts, and torchrun sharding over 2 CPU processes."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from media import make_video
from tempo.cli import main
from tempo.features import extract_features
from tempo.features.output import read_features


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("videos")
    for i in range(4):
        make_video(d / f"v{i}.mp4", n=20 + 4 * i, width=64, height=48, fps=10)
    return d


def test_folder_run_goes_past_a_bad_file(folder, tmp_path, capsys):
    bad = tmp_path / "in"
    bad.mkdir()
    (bad / "broken.mp4").write_bytes(b"not a video")
    src = folder / "v0.mp4"
    (bad / "good.mp4").write_bytes(src.read_bytes())
    code = main(["extract", str(bad), "-o", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache")])
    assert code == 1
    assert "broken.mp4" in capsys.readouterr().err
    feats = np.load(tmp_path / "out" / "good.npy")
    meta = json.loads((tmp_path / "out" / "good.json").read_text())
    assert feats.shape == ((20 - 16) // 4 + 1, 1280) and meta["feat_stride"] == 4 and meta["num_frames"] == 16
    assert len(meta["spans"]) == len(feats)
    assert not (tmp_path / "out" / "broken.npy").exists()
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # nothing half-written


def test_ground_layout_writes_moment_detr_npz(folder, tmp_path):
    code = main(["extract", str(folder / "v3.mp4"), "-o", str(tmp_path), "--layout", "ground", "--clip-len", "1",
                 "--fp16", "--cache-dir", str(tmp_path / "cache")])
    assert code == 0
    with np.load(tmp_path / "v3.npz") as data:
        assert list(data.files) == ["features"]
        assert data["features"].shape == (4, 1280) and data["features"].dtype == np.float16  # 3.2 s, 1 s clips
    assert json.loads((tmp_path / "v3.json").read_text())["clip_len"] == 1.0


def test_unknown_backbone_and_missing_weights_are_usage_errors(folder, tmp_path):
    assert main(["extract", str(folder), "-o", str(tmp_path), "--backbone", "NoSuchNet"]) == 2
    assert main(["extract", str(folder), "-o", str(tmp_path), "--backbone", "X3D"]) == 2


def test_torchrun_two_processes_share_the_work(folder, tmp_path):
    torchrun = Path(sys.executable).parent / "torchrun"
    if not torchrun.exists():
        pytest.skip("torchrun not installed")
    out, cache = tmp_path / "out", tmp_path / "cache"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TEMPO_PROGRESS": "0"}
    logs = tmp_path / "logs"
    proc = subprocess.run([str(torchrun), "--standalone", "--nproc_per_node", "2", "--log-dir", str(logs),
                           "--redirects", "1", "-m", "tempo", "extract", str(folder), "-o", str(out),
                           "--cache-dir", str(cache), "--json"], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    reports = [json.loads(p.read_text()) for p in logs.rglob("stdout.log")]
    assert sorted(r["rank"] for r in reports) == [0, 1]
    for r in reports:  # each rank computed its own half, and only that
        assert r["computed"] == {"ExtractFeatures": 2} and r["world_size"] == 2
    done = sorted(Path(x["video"]).name for r in reports for x in r["results"])
    assert done == [f"v{i}.mp4" for i in range(4)]
    assert len(list((cache / "ExtractFeatures").glob("*/*.npz"))) == 4
    for i in range(4):
        feats = read_features(out / f"v{i}.npy")
        expected, _ = extract_features(folder / f"v{i}.mp4", cache=tmp_path / "reference")
        np.testing.assert_allclose(feats, expected, rtol=1e-4, atol=1e-5)


def test_same_names_in_subfolders_keep_their_relative_paths(folder, tmp_path):
    src = tmp_path / "in"
    for sub, i in (("a", 0), ("b", 3), ("b/deeper", 1)):
        (src / sub).mkdir(parents=True, exist_ok=True)
        (src / sub / "clip.mp4").write_bytes((folder / f"v{i}.mp4").read_bytes())
    (src / "clip.mp4").write_bytes((folder / "v2.mp4").read_bytes())
    out = tmp_path / "out"
    assert main(["extract", str(src), "-o", str(out), "--cache-dir", str(tmp_path / "cache")]) == 0
    lengths = {"clip": 28, "a/clip": 20, "b/clip": 32, "b/deeper/clip": 24}  # frames of v2, v0, v3, v1
    for vid, n in lengths.items():
        feats = np.load(out / f"{vid}.npy")  # what a dataset reads as feat_dir / (video_id + ".npy")
        assert feats.shape == ((n - 16) // 4 + 1, 1280)
        assert json.loads((out / f"{vid}.json").read_text())["video_id"] == vid


def test_inputs_that_would_share_an_output_name_are_refused(folder, tmp_path, capsys):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "clip.mp4").write_bytes((folder / "v0.mp4").read_bytes())
    out = tmp_path / "out"
    code = main(["extract", str(tmp_path / "a" / "clip.mp4"), str(tmp_path / "b" / "clip.mp4"), "-o", str(out),
                 "--cache-dir", str(tmp_path / "cache")])
    assert code == 2 and "'clip'" in capsys.readouterr().err
    assert not out.exists()  # refused before anything was extracted
    same = tmp_path / "a" / "clip.mp4"  # the same file twice is no clash: extracted once
    assert main(["extract", str(same), str(same), "-o", str(out), "--cache-dir", str(tmp_path / "cache")]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["clip.json", "clip.npy"]


def test_help_lists_every_registered_backbone_and_unknown_names_get_the_list(tmp_path, capsys):
    import tempo.features  # noqa: F401  (registers the backbones)
    from tempo.registry import BACKBONES

    with pytest.raises(SystemExit):
        main(["extract", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert all(name in help_text for name in BACKBONES.module_dict)
    assert main(["extract", "x.mp4", "-o", str(tmp_path / "o"), "--backbone", "EfficientNet"]) == 2
    err = capsys.readouterr().err
    assert "unknown backbone 'EfficientNet'; choose from:" in err and "TwoStream" in err
    assert "http" not in err and len(err.strip().splitlines()) == 1


def test_random_init_error_names_the_cli_flag(tmp_path, capsys):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"")
    for backbone in ("CLIPImage", "I3D"):
        assert main(["extract", str(video), "-o", str(tmp_path / "o"), "--backbone", backbone]) == 2
        err = capsys.readouterr().err
        assert "--allow-random-init" in err and "--checkpoint" in err
