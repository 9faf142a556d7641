"""Mask sources: images, folders, mask videos, boxes, dilation, size checks."""
import numpy as np
import pytest
from PIL import Image

from tempo.errors import InputError, UsageError
from tempo.io import write_video
from tempo.models.onion_peel.masks import image_to_hole, open_masks, parse_box


def test_image_thresholds(tmp_path):
    hole = np.zeros((6, 8), bool)
    hole[2:4, 3:6] = True
    Image.fromarray(hole.astype(np.uint8) * 255).save(tmp_path / "white.png")
    Image.fromarray(hole.astype(np.uint8)).save(tmp_path / "ones.png")  # 0/1 grey, DAVIS-like
    pal = Image.fromarray(hole.astype(np.uint8) * 2, mode="L").convert("P")  # palette index 2 = object
    pal.save(tmp_path / "palette.png")
    Image.fromarray(np.dstack([hole * 255] * 3).astype(np.uint8)).save(tmp_path / "rgb.png")
    for name in ("white.png", "ones.png", "palette.png", "rgb.png"):
        assert np.array_equal(image_to_hole(tmp_path / name), hole), name


def test_static_folder_and_box_sources(tmp_path):
    folder = tmp_path / "masks"
    folder.mkdir()
    for i in range(12):  # natural order: 2 before 10
        m = np.zeros((6, 8), np.uint8)
        m[0, i % 8] = 255
        Image.fromarray(m).save(folder / f"m_{i}.png")
    masks = open_masks(folder, [], 6, 8, 12, 25.0)
    assert masks.get(10)[0, 2] and masks.get(2)[0, 2] and not masks.get(3)[0, 2]
    boxed = open_masks(None, ["1,2,3,2@4-5"], 6, 8, 12, 25.0)
    assert not boxed.get(3).any() and boxed.get(4).sum() == 6 and boxed.get(5)[2:4, 1:4].all()
    both = open_masks(folder, ["0,0,1,1"], 6, 8, 12, 25.0)
    assert both.get(1)[0, 0] and both.get(1)[0, 1]


def test_box_parsing():
    assert parse_box("10,20,30,40") == parse_box(" 10,20,30,40 ")
    b = parse_box("1,2,3,4@1.5s-3s")
    assert b.in_seconds and (b.start, b.end) == (1.5, 3.0)
    assert b.active(40, fps=25.0) and not b.active(20, fps=25.0)
    open_end = parse_box("1,2,3,4@100-")
    assert open_end.active(10**6, 30.0) and not open_end.active(99, 30.0)
    for bad in ("1,2,3", "1,2,0,4", "1,2,3,4@5-2", "1,2,3,4@1s-20"):
        with pytest.raises(UsageError):
            parse_box(bad)


def test_mask_video_and_dilation(tmp_path):
    frames = np.zeros((5, 32, 48, 3), np.uint8)
    frames[:, 10:20, 20:30] = 255
    write_video(tmp_path / "mask.mkv", frames, 10, codec="ffv1")
    masks = open_masks(tmp_path / "mask.mkv", [], 32, 48, 5, 10.0)
    assert np.array_equal(masks.get(3), frames[3, :, :, 0] > 0)
    grown = open_masks(tmp_path / "mask.mkv", [], 32, 48, 5, 10.0, dilate=2)
    assert grown.get(3).sum() > masks.get(3).sum() and grown.get(3)[8, 25] and not grown.get(3)[7, 25]


def test_wrong_size_and_count_are_clear_errors(tmp_path):
    Image.fromarray(np.zeros((6, 8), np.uint8)).save(tmp_path / "m.png")
    with pytest.raises(InputError, match="mask is 8x6 but the video is 10x6"):
        open_masks(tmp_path / "m.png", [], 6, 10, 3, 25.0)
    folder = tmp_path / "few"
    folder.mkdir()
    Image.fromarray(np.zeros((6, 8), np.uint8)).save(folder / "0.png")
    with pytest.raises(InputError, match="1 mask frames for a video of 3 frames"):
        open_masks(folder, [], 6, 8, 3, 25.0)
    with pytest.raises(UsageError):
        open_masks(None, [], 6, 8, 3, 25.0)
    with pytest.raises(UsageError, match="outside"):
        open_masks(None, ["20,1,2,2"], 6, 8, 3, 25.0)
