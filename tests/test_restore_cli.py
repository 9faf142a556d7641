"""``tempo restore`` on tiny real encoded videos with a random-init tiny SeedVR model."""
import json

import numpy as np
import pytest
import torch
from mmengine.config import Config

import tempo.models.seedvr  # noqa: F401
from tempo.cli import main
from tempo.io import VideoReader, probe, write_video
from tempo.models.seedvr.checkpoint import save_restorer
from tempo.registry import MODELS
from tempo.tasks import restore as restore_task

from media import make_with_audio

pytestmark = pytest.mark.usefixtures("one_torch_thread", "own_cache")
CONFIG = "configs/seedvr/synth_tiny.py"


@pytest.fixture(scope="module")
def setup(tmp_path_factory, request):
    d = tmp_path_factory.mktemp("restore")
    cfg = Config.fromfile(str(request.config.rootpath / CONFIG)).restorer.to_dict()
    torch.manual_seed(0)
    save_restorer(MODELS.build(cfg), d / "tiny.safetensors", cfg)
    make_with_audio(d / "audio.mp4")  # 64x48, 10 fps, 2 s, AAC
    rng = np.random.default_rng(0)
    write_video(d / "odd.mp4", [rng.integers(0, 255, (38, 50, 3), dtype=np.uint8) for _ in range(7)], 12.5)
    return d


def test_restore_keeps_frames_fps_size_and_audio(setup, capsys):
    d = setup
    out = d / "restored.mp4"
    assert main(["restore", str(d / "audio.mp4"), "-o", str(out), "--checkpoint", str(d / "tiny.safetensors"),
                 "--one-step", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    src, dst = probe(d / "audio.mp4"), probe(out)
    assert summary["frames"] == src.num_frames == dst.num_frames
    assert (dst.width, dst.height) == (src.width, src.height)
    assert dst.fps == pytest.approx(src.fps)
    assert dst.has_audio


def test_odd_size_with_tiles_and_short_chunks(setup):
    d = setup
    out = d / "odd_out.mp4"
    assert main(["restore", str(d / "odd.mp4"), "-o", str(out), "--checkpoint", str(d / "tiny.safetensors"),
                 "--tile", "32", "--tile-overlap", "8", "--chunk", "5", "--overlap", "2"]) == 0
    reader = VideoReader(out)
    assert len(reader) == 7 and (reader.out_width, reader.out_height) == (50, 38)
    assert reader.fps == pytest.approx(12.5)


def _held_frames(src, dst, restorer, chunk, overlap):
    """Most frames read from the decoder but not yet written, and the longest clip the model saw."""
    state = {"read": 0, "written": 0, "held": 0, "longest": 0}

    def source(reader):
        for frame in restore_task.stream_frames(reader):
            state["read"] += 1
            state["held"] = max(state["held"], state["read"] - state["written"])
            yield frame

    def written(n):
        state["written"] += n

    restore_clip = restorer.restore_clip

    def spy(clip):
        state["longest"] = max(state["longest"], clip.shape[0])
        return restore_clip(clip)

    restorer.restore_clip = spy
    try:
        summary = restore_task.restore_video(src, dst, restorer, chunk=chunk, overlap=overlap, on_frame=written,
                                             frames_source=source)
    finally:
        del restorer.restore_clip
    assert summary["frames"] == state["read"] == state["written"]
    return state["held"], state["longest"]


def test_memory_does_not_grow_with_length(setup):
    d = setup
    restorer, _ = restore_task.load_restorer(d / "tiny.safetensors")
    for n in (10, 40):  # a short clip and a 4x longer one
        write_video(d / f"len{n}.mp4", [np.full((32, 32, 3), (7 * i) % 256, np.uint8) for i in range(n)], 10)
    short = _held_frames(d / "len10.mp4", d / "o10.mp4", restorer, chunk=5, overlap=2)
    long = _held_frames(d / "len40.mp4", d / "o40.mp4", restorer, chunk=5, overlap=2)
    assert long == short  # frames held at once and the model's clip length are the same
    assert long[1] == 5 and long[0] <= 5 + restore_task.DECODE_BATCH


def test_missing_default_weights_is_one_clear_line(setup, monkeypatch, capsys):
    monkeypatch.setattr(restore_task, "DEFAULT_WEIGHTS", setup / "absent.safetensors")
    assert main(["restore", str(setup / "odd.mp4"), "-o", str(setup / "x.mp4")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "default SeedVR weights are not installed" in err


def test_bad_inputs_fail_cleanly(setup, capsys):
    d = setup
    assert main(["restore", str(d / "nope.mp4"), "--checkpoint", str(d / "tiny.safetensors")]) == 1
    assert main(["restore", str(d / "odd.mp4"), "-o", str(d / "odd.mp4")]) == 2
    assert main(["restore", str(d / "odd.mp4"), "--checkpoint", str(d / "missing.safetensors")]) == 1
    assert main(["restore", str(d / "odd.mp4"), "--one-step", "--steps", "3"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("tempo restore: error:") for line in lines)
    assert not (d / "odd_restored.mp4").exists()


def test_ffmpeg_failure_is_one_line_with_its_reason(setup, capsys, monkeypatch):
    """If ffmpeg refuses the output anyway (here: past the up-front check), its reason is the error line
    and no .partial file stays behind."""
    d = setup / "ffmpeg_fails"
    d.mkdir()
    monkeypatch.setattr("tempo.cli.restore.check_video_output", lambda *a, **k: None)
    code = main(["restore", str(setup / "odd.mp4"), "-o", str(d / "out.webm"), "--checkpoint",
                 str(setup / "tiny.safetensors"), "--chunk", "3", "--overlap", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and "Only VP8 or VP9" in err[0], err
    assert list(d.iterdir()) == []


def test_interrupt_leaves_no_partial(setup, capsys, monkeypatch):
    d = setup / "interrupted"
    d.mkdir()
    restorer, cfg = restore_task.load_restorer(setup / "tiny.safetensors")

    def frames_then_ctrl_c(frames, **kwargs):
        for i, frame in enumerate(frames):
            if i == 3:
                raise KeyboardInterrupt
            yield frame

    monkeypatch.setattr(restorer, "restore_frames", frames_then_ctrl_c)
    monkeypatch.setattr(restore_task, "load_restorer", lambda *a, **k: (restorer, cfg))
    assert main(["restore", str(setup / "odd.mp4"), "-o", str(d / "out.mp4")]) == 130
    assert list(d.iterdir()) == []
