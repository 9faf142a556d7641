"""OPN widths and tempo weights: trainer exports and the bundle load into the completer and `tempo complete`,
official-layout shapes are unchanged at width 1, bad checkpoints fail with one clear line, and the embedded
default is shipped small, documented and used when no weights are given."""
import json

import numpy as np
import pytest
import torch
from PIL import Image

from tempo.cli import main
from tempo.errors import InputError
from tempo.io import VideoReader, write_video
from tempo.models.common.tempo_checkpoint import save_tempo_checkpoint
from tempo.models.onion_peel import OPN, VideoCompleter
from tempo.models.onion_peel.tempo_weights import DEFAULT_WEIGHTS, load_networks, load_opn, save_tempo_opn
from tempo.models.onion_peel.train_model import OPNTrainer

pytestmark = pytest.mark.usefixtures("one_torch_thread")

H, W, T = 40, 56, 6


def test_width_one_is_the_released_layout_and_width_scales_channels():
    full, slim = OPN(), OPN(width=0.5)
    assert full.Encoder.conv12.input_conv.weight.shape == (64, 5, 5, 5)
    assert full.Encoder.key3.input_conv.weight.shape == (128, 128, 3, 3) and full.channels == 128
    assert slim.Encoder.conv12.input_conv.weight.shape == (32, 5, 5, 5)
    assert slim.Decoder.conv21.input_conv.weight.shape == (3, 32, 5, 5) and slim.channels == 64
    assert set(slim.state_dict()) == set(full.state_dict())  # same names, smaller tensors


def test_telea_prefill_mode_starts_as_the_telea_fill_and_round_trips(tmp_path):
    from tempo.models.onion_peel.opn import telea_fill

    torch.manual_seed(0)
    trainer = OPNTrainer(opn=dict(width=0.25, prefill="telea"))
    yy, xx = torch.meshgrid(torch.arange(32.0), torch.arange(48.0), indexing="ij")
    clip = torch.stack([torch.stack([torch.sin(xx / 5 + t), torch.cos(yy / 4), xx / 48]) * 0.4 + 0.3
                        for t in range(3)])
    holes = torch.zeros(3, 1, 32, 48)
    holes[:, :, 8:24, 12:36] = 1
    out = trainer(inputs=[clip], holes=[holes], mode="predict")[0]
    expected = telea_fill(clip[:1] * (1 - holes[:1]), holes[:1])
    assert (out - expected).abs().max() <= 1 / 255  # zero correction at init: exactly the classical fill
    assert not torch.equal(expected, clip[:1] * (1 - holes[:1]))  # and the fill is not a no-op
    bundle = save_tempo_opn(trainer.opn, tmp_path / "prefill.safetensors")
    assert load_opn(bundle).prefill == "telea"
    with pytest.raises(ValueError, match="prefill"):
        OPN(prefill="mean")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A tools/train.py-style export (keys under ``opn.``, the trainer's config) of a quarter-width OPN."""
    d = tmp_path_factory.mktemp("weights")
    torch.manual_seed(3)
    trainer = OPNTrainer(opn=dict(width=0.25))
    path = save_tempo_checkpoint(trainer, d / "final.safetensors",
                                 {"type": "OnionPeelOPNTrainer", "opn": {"thickness": 8, "width": 0.25},
                                  "hole_weight": 6.0})
    return d, path, trainer.opn


def test_trainer_export_and_bundle_load_the_same_weights(exported):
    d, path, reference = exported
    opn = load_opn(path)
    assert opn.width == 0.25 and not opn.training
    for name, value in reference.state_dict().items():
        assert torch.equal(opn.state_dict()[name], value), name
    bundle = save_tempo_opn(opn, d / "bundle.safetensors")
    assert json.loads((d / "bundle.json").read_text())["type"] == "OnionPeelOPN"
    again = load_opn(bundle)
    assert torch.equal(again.Decoder.conv21.gating_conv.bias, reference.Decoder.conv21.gating_conv.bias)


def test_slim_opn_completes_only_the_hole(exported):
    _, path, _ = exported
    opn, tcn, _ = load_networks(path)
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (5, 32, 48, 3), dtype=np.uint8)
    masks = np.zeros((5, 32, 48), bool)
    masks[:, 8:24, 10:30] = True
    done = list(VideoCompleter(opn, tcn, memory_frames=2).run(5, lambda idx: frames[list(idx)], lambda i: masks[i]))
    assert tcn is None and len(done) == 5
    for d in done:
        assert np.array_equal(d.image[~masks[d.index]], frames[d.index][~masks[d.index]])
        assert d.steps >= 1


def test_single_frame_video_reads_an_empty_memory_of_the_right_width(exported):
    _, path, _ = exported
    opn = load_opn(path)
    frame = np.full((1, 24, 32, 3), 120, np.uint8)
    mask = np.zeros((24, 32), bool)
    mask[8:16, 8:20] = True
    (done,) = VideoCompleter(opn, None).run(1, lambda idx: frame[list(idx)], lambda i: mask)
    assert done.steps >= 1


def test_bad_checkpoints_fail_with_a_clear_reason(exported, tmp_path):
    d, path, _ = exported
    with pytest.raises(InputError, match="checkpoint file not found"):
        load_opn(tmp_path / "absent.safetensors")
    lonely = tmp_path / "lonely.safetensors"
    lonely.write_bytes(path.read_bytes())
    with pytest.raises(InputError, match="missing model config lonely.json"):
        load_opn(lonely)
    corrupt = tmp_path / "corrupt.safetensors"
    corrupt.write_bytes(path.read_bytes()[:200])
    (tmp_path / "corrupt.json").write_text((d / "final.json").read_text())
    with pytest.raises(InputError, match="cannot read safetensors"):
        load_opn(corrupt)
    wrong = tmp_path / "wrong.safetensors"
    wrong.write_bytes(path.read_bytes())
    (tmp_path / "wrong.json").write_text(json.dumps({"type": "OnionPeelOPNTrainer", "opn": {"width": 0.5}}))
    with pytest.raises(InputError, match="do not match"):
        load_opn(wrong)
    (tmp_path / "wrong.json").write_text(json.dumps({"type": "TriDet"}))
    with pytest.raises(InputError, match="not an onion-peel OPN"):
        load_opn(wrong)


@pytest.fixture(scope="module")
def small_video(tmp_path_factory):
    d = tmp_path_factory.mktemp("video")
    yy, xx = np.mgrid[0:H, 0:W]
    frames = np.stack([np.dstack([(xx * 4 + 9 * t) % 256, (yy * 6) % 256, np.full_like(xx, 80 + 10 * t)])
                       for t in range(T)]).astype(np.uint8)
    write_video(d / "in.mkv", frames, 10, codec="ffv1")  # lossless: "unchanged" is checked exactly
    hole = np.zeros((H, W), np.uint8)
    hole[10:28, 15:40] = 255
    Image.fromarray(hole).save(d / "mask.png")
    return d, frames, hole > 0


def _check_output(path, frames, hole):
    out = VideoReader(path).get_frames(list(range(T)))
    assert out.shape == frames.shape
    assert np.array_equal(out[:, ~hole], frames[:, ~hole])


def test_cli_complete_with_a_tempo_checkpoint(exported, small_video, capsys):
    _, path, _ = exported
    d, frames, hole = small_video
    out = d / "ckpt.mkv"
    assert main(["complete", str(d / "in.mkv"), "--mask", str(d / "mask.png"), "--checkpoint", str(path),
                 "-o", str(out), "--codec", "ffv1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["weights"] == "final.safetensors"
    _check_output(out, frames, hole)


def test_default_bundle_is_shipped_small_and_documented():
    assert DEFAULT_WEIGHTS.is_file() and DEFAULT_WEIGHTS.stat().st_size <= 30 * 1024 * 1024
    config = json.loads(DEFAULT_WEIGHTS.with_suffix(".json").read_text())
    assert config["type"] == "OnionPeelOPN"
    metrics = json.loads(DEFAULT_WEIGHTS.with_name(DEFAULT_WEIGHTS.stem + ".metrics.json").read_text())
    assert {"training", "synth_test", "real_heldout"} <= set(metrics)
    opn = load_opn(DEFAULT_WEIGHTS)
    assert (opn.width, opn.prefill) == (config["width"], config["prefill"])


def test_cli_complete_uses_the_default_without_weights(small_video, capsys):
    d, frames, hole = small_video
    out = d / "default.mkv"
    assert main(["complete", str(d / "in.mkv"), "--mask", str(d / "mask.png"), "-o", str(out), "--codec", "ffv1",
                 "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["weights"] == DEFAULT_WEIGHTS.name and summary["temporal_smoothing"] is False
    _check_output(out, frames, hole)
