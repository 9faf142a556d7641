"""The motion zoom view (tempo.features.motion_zoom) and a zoom TextClipNet that starts as the one it extends."""
import numpy as np
import torch

from tempo.features.motion_zoom import two_views, two_views_batch, zoom_box
from tempo.models.text_clipnet.network import TextClipNetwork, clips_to_input


def moving_square(size=128, frames=8, x0=20, y0=70, side=10, step=3):
    clip = np.full((frames, size, size, 3), 90, np.uint8)
    for t in range(frames):
        clip[t, y0:y0 + side, x0 + step * t:x0 + step * t + side] = (250, 40, 40)
    return clip


def test_zoom_box_frames_the_moving_object():
    clip = moving_square()
    y0, x0, side = zoom_box(clip, min_side=64)
    assert side == 64  # a small motion: the tightest crop allowed (2x zoom at 128 -> 64)
    # the whole path of the square (x 20..51, y 70..79) is inside the crop
    assert x0 <= 20 and x0 + side >= 51 and y0 <= 70 and y0 + side >= 80
    whole, zoom, scale = two_views(clip, 64)
    assert whole.shape == zoom.shape == (8, 64, 64, 3) and scale == 0.5
    # the object covers ~4x the pixels in the zoom view
    red = lambda v: ((v[..., 0] > 180) & (v[..., 1] < 100)).sum()  # noqa: E731
    assert red(zoom) > 3 * red(whole)


def test_still_or_everywhere_change_gives_the_whole_frame():
    still = np.full((8, 128, 128, 3), 120, np.uint8)
    assert zoom_box(still, 64) == (0, 0, 128)
    rng = np.random.default_rng(0)
    shaking = rng.integers(0, 255, (8, 128, 128, 3), dtype=np.uint8)
    assert zoom_box(shaking, 64)[2] == 128  # camera-wide change: no zoom
    w, z, s = two_views_batch(np.stack([still, moving_square()]), 64)
    assert w.shape == z.shape == (2, 8, 64, 64, 3) and list(s) == [1.0, 0.5]
    np.testing.assert_array_equal(w[0], z[0])  # no motion: the zoom view is the whole view


def test_zoom_network_reads_both_views_and_needs_them():
    torch.manual_seed(0)
    net = TextClipNetwork(widths=(4, 8, 8, 8), embed_dim=16, text_dim=12, text_hidden=16, zoom=True).eval()
    w, z, s = two_views_batch(moving_square()[None], 64)
    with torch.no_grad():
        a = net.embed_video(clips_to_input(w), clips_to_input(z), torch.from_numpy(s))
        b = net.embed_video(clips_to_input(w), clips_to_input(w), torch.ones(1))
    assert a.shape == (1, 16) and not torch.allclose(a, b)  # the zoom view changes the embedding
    try:
        net.embed_video(clips_to_input(w))
    except ValueError as e:
        assert "zoom" in str(e)
    else:
        raise AssertionError("a zoom model without its zoom view must refuse")
