"""Onion-peel parity: the streaming ``VideoCompleter`` (memory bank covering every memory frame)
reproduces the official video demo's OPN and TCN outputs."""
import numpy as np
import pytest
import torch

from tempo.models.onion_peel import OPN, TCN, load_official
from tempo.models.onion_peel.completer import VideoCompleter


pytestmark = pytest.mark.usefixtures("one_torch_thread")

OPN_TOL, TCN_TOL = 1e-4, 5e-4


def test_streaming_completer_matches_video_demo(parity_dir):
    d = parity_dir("onion_peel")
    inputs = torch.load(d / "inputs.pt", weights_only=True)
    outputs = torch.load(d / "outputs.pt", weights_only=True)
    opn = load_official(OPN(thickness=outputs["meta"]["thickness"]), d / "OPN.pth")
    tcn = load_official(TCN(), d / "TCN.pth")
    videos = [k for k, v in inputs.items() if isinstance(v, dict) and "MEM_EVERY" in v]
    assert videos
    for name in videos:
        case, out = inputs[name], outputs[name]
        frames, masks = case["raw_frames"].numpy(), case["raw_masks"].numpy()
        completer = VideoCompleter(opn, tcn, size=(case["H"], case["W"]), mem_every=case["MEM_EVERY"],
                                   memory_frames=None, chunk_size=3)
        done = list(completer.run(len(frames), lambda idx: frames[list(idx)], lambda i: masks[i]))
        comps = torch.stack([r.opn for r in done], dim=2)
        ppeds = torch.stack([r.output for r in done], dim=2)
        assert (comps - out["comps"]).abs().max() <= OPN_TOL, name
        assert (ppeds - out["ppeds"]).abs().max() <= TCN_TOL, name
        # Frames without a hole skip the peel loop (0 steps); the demo runs one step that changes nothing.
        assert [max(r.steps, 1) for r in done] == out["n_steps"], name
        for r in done:  # pasted back at the input size: pixels outside the hole are the input's
            keep = masks[r.index] == 0
            assert r.image.shape == frames[r.index].shape
            assert np.array_equal(r.image[keep], frames[r.index][keep])
