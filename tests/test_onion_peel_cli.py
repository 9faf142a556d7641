"""``tempo complete`` on small real encoded videos with random-init weights in the official layout."""
import numpy as np
import pytest
import torch
from PIL import Image

from tempo.cli import main
from tempo.io import VideoReader, write_video
from tempo.models.onion_peel import OPN, TCN, official_state_dict


pytestmark = pytest.mark.usefixtures("one_torch_thread", "own_cache")

H, W, T = 40, 56, 6


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("complete")
    torch.manual_seed(1)
    torch.save(official_state_dict(OPN()), d / "OPN.pth")
    torch.save(official_state_dict(TCN()), d / "TCN.pth")
    yy, xx = np.mgrid[0:H, 0:W]
    frames = np.stack([np.dstack([(xx * 4 + 9 * t) % 256, (yy * 6) % 256, np.full_like(xx, 80 + 10 * t)])
                       for t in range(T)]).astype(np.uint8)
    write_video(d / "in.mkv", frames, 10, codec="ffv1")  # lossless, so "unchanged" can be checked exactly
    hole = np.zeros((H, W), np.uint8)
    hole[10:28, 15:40] = 255
    Image.fromarray(hole).save(d / "mask.png")
    return d, frames, hole > 0


def cli(d, *extra):
    return main(["complete", str(d / "in.mkv"), "--opn", str(d / "OPN.pth"), *map(str, extra)])


def test_complete_replaces_only_hole_pixels(setup, capsys):
    d, frames, hole = setup
    out = d / "out.mkv"
    assert cli(d, "--mask", d / "mask.png", "--tcn", d / "TCN.pth", "--codec", "ffv1", "-o", out, "--json") == 0
    assert '"frames_with_holes": 6' in capsys.readouterr().out
    got = VideoReader(out).get_frames(range(T))
    assert got.shape == frames.shape
    assert np.array_equal(got[:, ~hole], frames[:, ~hole])
    assert not np.array_equal(got[:, hole], frames[:, hole])


def test_box_with_frame_range_and_working_size(setup):
    d, frames, _ = setup
    out = d / "box.mp4"
    assert cli(d, "--box", "20,8,20,20@2-3", "--size", "24x32", "--dilate", "1", "-o", out) == 0
    reader = VideoReader(out)
    assert len(reader) == T and (reader.out_height, reader.out_width) == (H, W)
    got = reader.get_frames(range(T)).astype(int)
    untouched = np.abs(got[0] - frames[0]).mean()  # only h264 noise where nothing was masked
    assert untouched < 3


def test_empty_mask_copies_through(setup, capsys):
    d, _, _ = setup
    Image.fromarray(np.zeros((H, W), np.uint8)).save(d / "empty.png")
    out = d / "copy.mkv"
    assert cli(d, "--mask", d / "empty.png", "-o", out) == 0
    assert out.read_bytes() == (d / "in.mkv").read_bytes()
    assert "mask is empty" in capsys.readouterr().err


def test_clear_errors(setup, capsys):
    d, _, _ = setup
    Image.fromarray(np.zeros((H + 2, W), np.uint8)).save(d / "big.png")
    assert cli(d, "--mask", d / "big.png", "-o", d / "x.mkv") == 1
    assert f"mask is {W}x{H + 2} but the video is {W}x{H}" in capsys.readouterr().err
    Image.fromarray(np.full((H, W), 255, np.uint8)).save(d / "full.png")
    assert cli(d, "--mask", d / "full.png", "-o", d / "full.mkv") == 1
    assert "frame 0 is entirely masked" in capsys.readouterr().err
    assert not list(d.glob("*full*.mkv"))  # nothing half-written
    assert main(["complete", str(d / "in.mkv"), "--mask", str(d / "mask.png"), "--checkpoint",
                 str(d / "nowhere.safetensors"), "-o", str(d / "nw.mkv")]) == 1
    assert "nowhere.safetensors: checkpoint file not found" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # argparse: one source of weights, not two
        main(["complete", str(d / "in.mkv"), "--mask", str(d / "mask.png"), "--opn", str(d / "OPN.pth"),
              "--checkpoint", str(d / "x.safetensors")])
    assert exc.value.code == 2


def test_mask_video_and_folder_masks(setup):
    d, frames, hole = setup
    per_frame = np.zeros((T, H, W, 3), np.uint8)
    for t in range(T):
        per_frame[t, 12:24, 5 + 4 * t:20 + 4 * t] = 255  # a moving hole
    write_video(d / "masks.mkv", per_frame, 10, codec="ffv1")
    out = d / "from_video.mkv"
    assert cli(d, "--mask", d / "masks.mkv", "--memory-frames", 1, "--mem-every", 2, "--codec", "ffv1",
               "-o", out) == 0
    got = VideoReader(out).get_frames(range(T))
    keep = per_frame[..., 0] == 0
    assert np.array_equal(got[keep], frames[keep]) and not np.array_equal(got[~keep], frames[~keep])
    folder = d / "mask_pngs"
    folder.mkdir()
    for t in range(T):
        Image.fromarray(per_frame[t, :, :, 0]).save(folder / f"{t}.png")
    out2 = d / "from_folder.mkv"
    assert cli(d, "--mask", folder, "--memory-frames", 1, "--mem-every", 2, "--codec", "ffv1", "-o", out2) == 0
    assert np.array_equal(VideoReader(out2).get_frames(range(T)), got)  # same masks, same result


def test_copy_through_failure_leaves_no_partial(setup, capsys, monkeypatch):
    d, _, _ = setup
    Image.fromarray(np.zeros((H, W), np.uint8)).save(d / "empty2.png")
    (d / "taken.mkv").mkdir()
    monkeypatch.setattr("tempo.cli.complete.check_video_output", lambda *a, **k: None)  # as if it slipped past
    assert cli(d, "--mask", d / "empty2.png", "-o", d / "taken.mkv") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "taken.mkv: cannot write" in err[0], err
    assert not [p for p in d.iterdir() if "partial" in p.name]
