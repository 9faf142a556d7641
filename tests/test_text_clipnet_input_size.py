"""TextClipNet's input size is a property of its weights: a network continued at another size (``init_from``, the
body being fully convolutional) records that size in its sidecar, and feature extraction from an encoded video
feeds it frames area-resized to exactly that size, as training saw them (tempo.models.text_clipnet.frames)."""
import numpy as np
import torch
from safetensors.torch import load_file

from tempo.models.common.tempo_checkpoint import save_tempo_checkpoint
from tempo.models.text_clipnet.model import TextClipNetTrainer

from media import make_video

TINY = dict(widths=(4, 8), temporal_strides=(1, 2), embed_dim=16, text_hidden=32, clip_frames=4, window_frames=16,
            stride=8, fps=15.0, init_body=None)


def _save(model, path, **config):
    return save_tempo_checkpoint(model, path, {"type": "TextClipNetTrainer", **TINY, **config})


def test_weights_continued_at_another_size_are_read_at_that_size_end_to_end(tmp_path):
    from tempo.features.extract import FeatureConfig, extract_video
    from tempo.features.text_clipnet import TextClipNet
    from tempo.io import VideoReader
    from tempo.models.text_clipnet.dataset import clip_positions
    from tempo.models.text_clipnet.frames import fit_square
    from tempo.models.text_clipnet.network import clips_to_input

    torch.manual_seed(0)
    small = _save(TextClipNetTrainer(**TINY, input_size=32), tmp_path / "at32.safetensors", input_size=32)
    grown = TextClipNetTrainer(**TINY, input_size=48, init_from=str(small))
    start = load_file(str(small))
    for key, value in grown.state_dict().items():  # every weight carried over, none left at its init
        torch.testing.assert_close(value, start[key])
    weights = _save(grown, tmp_path / "at48.safetensors", input_size=48, init_from=str(small))
    small.unlink()  # the start is inside the weights now: the sidecar's init_from is not read again

    backbone = TextClipNet(str(weights))
    assert backbone.input_size == 48
    seen = []
    backbone.model.body.register_forward_pre_hook(lambda _m, args: seen.append(tuple(args[0].shape[-2:])))
    video = make_video(tmp_path / "v.mp4", n=40, width=96, height=72, fps=15)
    cfg = FeatureConfig(layout="detect", fps=15.0, num_frames=16, stride=8)
    rows, _, meta = extract_video(video, backbone, cfg)
    assert seen and set(seen) == {(48, 48)} and meta["size"] == 48

    # the same rows from the decoded frames shrunk the way the training frames were rendered
    frames = VideoReader(video).get_frames(np.arange(40))
    frames = np.stack([fit_square(f, 48) for f in frames])
    clips = np.stack([frames[clip_positions(w * 8, 16, 4)] for w in range(len(rows))])
    with torch.inference_mode():
        expected = backbone.model.embed_video(clips_to_input(clips)).numpy()
    np.testing.assert_allclose(rows, expected, atol=1e-4)


def test_grounding_probe_reads_frames_at_the_weights_size_and_writes_each_query(tmp_path):
    """tools/probe_text_clipnet_grounding.py on a tiny 40-px network (2 of the 3 tiny train scenes): frames rendered
    at 40 px (the sidecar's
    size, not the probe's), one prediction line per scored query with what a miss analysis needs."""
    import importlib.util
    import json
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "tempo_tool_probe", Path(__file__).resolve().parents[1] / "tools" / "probe_text_clipnet_grounding.py")
    probe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(probe)
    torch.manual_seed(0)
    weights = _save(TextClipNetTrainer(**TINY, input_size=40), tmp_path / "w.safetensors", input_size=40)
    out, pred = tmp_path / "m.json", tmp_path / "p.jsonl"
    assert probe.main([str(weights), "--preset", "tiny", "--seed", "0", "--split", "train", "--workers", "1",
                       "--max-videos", "2", "--cache-dir", str(tmp_path / "frames"), "--out", str(out),
                       "--predictions", str(pred)]) == 0
    rendered = list((tmp_path / "frames").iterdir())
    assert [d.name for d in rendered] == ["tiny_seed0_40px"] and len(list(rendered[0].iterdir())) == 2
    frames = np.load(next(rendered[0].iterdir()))
    assert frames.shape[1:] == (40, 40, 3)
    rows = [json.loads(line) for line in pred.read_text().splitlines()]
    assert len(rows) == json.loads(out.read_text())["queries"] > 0
    for r in rows:
        assert r["described"]["shape"] and r["action"] and r["relevant_windows"]
        assert all(0 <= s < e <= r["duration"] + 1e-6 for s, e, _ in r["pred_relevant_windows"])
