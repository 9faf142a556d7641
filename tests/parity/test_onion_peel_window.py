"""The local-window speed-up (encoder/decoder on the peel ring's neighbourhood only) gives the full-frame
peel step with the fixture's weights, and a too small margin visibly does not (so the check can fail)."""
import numpy as np
import pytest
import torch

import tempo.models.onion_peel.opn as opn_module
from tempo.models.onion_peel import OPN, load_official
from tempo.models.onion_peel.preprocess import preprocess


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@torch.no_grad()
def test_window_margin_is_wide_enough(parity_dir, monkeypatch):
    d = parity_dir("onion_peel")
    inputs = torch.load(d / "inputs.pt", weights_only=True)
    opn = load_official(OPN(), d / "OPN.pth")
    case = next(v for v in inputs.values() if isinstance(v, dict))
    raw = case["raw_frames"][0].numpy()
    reps = (-(-64 // raw.shape[0]), -(-(2 * opn_module.WINDOW_MARGIN + 100) // raw.shape[1]), 1)
    img = np.ascontiguousarray(np.tile(raw, reps)[:64])  # a frame wider than the hole + 2 x margin
    h, w = img.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    mask[20:44, w // 2 - 15:w // 2 + 15] = 1
    frame, valid, _, dist = preprocess(img, mask)
    ref_frame, ref_valid, _, ref_dist = preprocess(np.roll(img, 7, 1), np.roll(mask, 90, 1))
    memory = opn.readable(*opn.memorize(ref_frame, ref_valid, ref_dist))
    full, _ = opn.peel_step(memory, frame, valid, dist)
    assert opn_module.ring_window(((dist > 0) & (dist <= 8)).float(), opn_module.WINDOW_MARGIN) is not None
    local, _ = opn.peel_step(memory, frame, valid, dist, local_window=True)
    assert (local - full).abs().max() <= 1e-5
    monkeypatch.setattr(opn_module, "WINDOW_MARGIN", 64)
    assert (opn.peel_step(memory, frame, valid, dist, local_window=True)[0] - full).abs().max() > 1e-2
