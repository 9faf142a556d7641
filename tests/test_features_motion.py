"""The motion stream sees what appearance features miss: direction of motion, growth, and camera pans."""
import cv2
import numpy as np
import pytest

from tempo.features.motion import N_BINS, MotionStats, motion_descriptor
from tempo.features.stage import build_backbone

H = W = 96


def textured_square(cx: float, cy: float, half: float, bg_shift: int = 0) -> np.ndarray:
    rng = np.random.default_rng(0)
    bg = rng.integers(60, 90, (H, W + 32, 3)).astype(np.uint8)[:, bg_shift:bg_shift + W]
    frame = bg.copy()
    y, x = np.mgrid[0:H, 0:W]
    inside = (abs(x - cx) <= half) & (abs(y - cy) <= half)
    frame[inside] = np.stack([200 + 40 * ((x + y) % 8 < 4)] * 3, -1)[inside].astype(np.uint8)
    return frame


def direction_histogram(d: np.ndarray) -> np.ndarray:
    return d[:N_BINS]  # whole-frame histogram; bin 4 = rightward (angle 0), bin 0 = leftward (angle pi)


def test_left_and_right_motion_land_in_opposite_direction_bins():
    right = motion_descriptor(textured_square(40, 48, 10), textured_square(43, 48, 10))
    left = motion_descriptor(textured_square(43, 48, 10), textured_square(40, 48, 10))
    assert direction_histogram(right)[4] > 5 * direction_histogram(right)[0]
    assert direction_histogram(left)[0] > 5 * direction_histogram(left)[4]


RADIAL_POS, RADIAL_NEG, TANGENTIAL_POS, TANGENTIAL_NEG = range(5 * N_BINS, 5 * N_BINS + 4)  # whole frame


def test_growth_flows_outward_and_shrinking_inward():
    grow = motion_descriptor(textured_square(48, 48, 12), textured_square(48, 48, 15))
    shrink = motion_descriptor(textured_square(48, 48, 15), textured_square(48, 48, 12))
    assert grow[RADIAL_POS] > 2 * grow[RADIAL_NEG] and shrink[RADIAL_NEG] > 2 * shrink[RADIAL_POS]


def rotated(frame: np.ndarray, degrees: float) -> np.ndarray:
    m = cv2.getRotationMatrix2D((48, 48), degrees, 1.0)  # positive = counter-clockwise on screen
    return cv2.warpAffine(frame, m, (W, H), borderMode=cv2.BORDER_REFLECT)


def test_turning_direction_is_the_tangential_sign():
    square = textured_square(48, 48, 20)
    cw = motion_descriptor(square, rotated(square, -6))
    ccw = motion_descriptor(square, rotated(square, 6))
    assert cw[TANGENTIAL_POS] > 2 * cw[TANGENTIAL_NEG] and ccw[TANGENTIAL_NEG] > 2 * ccw[TANGENTIAL_POS]


def test_camera_pan_is_factored_out():
    still = textured_square(48, 48, 10, bg_shift=0)
    panned = textured_square(48, 48, 10, bg_shift=2)  # the background moves, the object does not
    d = motion_descriptor(still, panned)
    assert abs(d[-2]) + abs(d[-1]) < 1.0  # median flow = the background's; reported, then subtracted


def test_backbone_pairs_each_frame_with_the_previous_sample():
    frames = np.stack([textured_square(30 + 3 * i, 48, 10) for i in range(4)])
    mo = MotionStats()
    whole = mo.forward_frames(frames)
    assert whole.shape == (4, mo.feature_dim) and np.abs(whole[0]).max() < 0.05  # no predecessor: ~no motion
    split = np.concatenate([mo.forward_frames(frames[:2]), mo.forward_frames(frames[2:], previous=frames[1])])
    np.testing.assert_allclose(split, whole)  # chunk boundaries do not change anything


@pytest.mark.usefixtures("one_torch_thread")
def test_two_stream_is_appearance_then_motion():
    frames = np.stack([textured_square(30 + 3 * i, 48, 10) for i in range(3)])
    two = build_backbone({"type": "TwoStream"})
    feats = two.forward_frames(frames)
    appearance = build_backbone({"type": "EfficientNetLite0"}).forward_frames(frames)
    assert feats.shape == (3, 1280 + MotionStats.feature_dim) == (3, two.feature_dim)
    np.testing.assert_allclose(feats[:, :1280], appearance, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(feats[:, 1280:], MotionStats().forward_frames(frames), rtol=1e-6)
