"""Streaming completion with random-init networks: any size, only hole pixels change, bounded memory."""
from pathlib import Path

import numpy as np
import pytest
import torch

from tempo.models.onion_peel import OPN, TCN
from tempo.models.onion_peel.completer import AllHoleFrameError, VideoCompleter
from tempo.models.onion_peel.demo import complete_clip, memory_selection, preprocess_clip, temporal_pass


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def nets():
    torch.manual_seed(0)
    return OPN().eval(), TCN().eval()


def clip(t=7, h=37, w=53, seed=0):
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, 256, (t, h, w, 3), dtype=np.uint8)
    masks = np.zeros((t, h, w), np.uint8)
    for i in range(t):
        masks[i, 6:30, 5 + 2 * i:28 + 2 * i] = 1  # a moving block, deeper than one peel ring
    masks[t // 2] = 0  # one frame without a hole
    return frames, masks


def run(completer, frames, masks):
    return list(completer.run(len(frames), lambda idx: frames[list(idx)], lambda i: masks[i]))


@pytest.mark.parametrize("num_frames", [7, 1])
def test_unbounded_streaming_equals_the_demo_schedule(nets, num_frames):
    opn, tcn = nets
    frames, masks = clip(t=num_frames)
    masks[0, 6:30, 5:28] = 1  # a one-frame clip still has a hole
    done = run(VideoCompleter(opn, tcn, size=None, mem_every=3, memory_frames=None, chunk_size=2), frames, masks)
    p = preprocess_clip(frames, masks)
    midx, ridx = memory_selection(len(frames), 3)
    demo = complete_clip(opn, p["frames"], p["valids"], p["dists"], midx, ridx)
    ppeds, _ = temporal_pass(tcn, demo["comps"], p["holes"])
    assert torch.allclose(torch.stack([d.opn for d in done], 2), demo["comps"], atol=1e-5)
    assert torch.allclose(torch.stack([d.output for d in done], 2), ppeds, atol=1e-5)
    assert [max(d.steps, 1) for d in done] == demo["n_steps"]


@pytest.mark.parametrize("size", [None, (24, 40)])
def test_only_hole_pixels_change_at_any_size(nets, size):
    opn, tcn = nets
    frames, masks = clip()
    done = run(VideoCompleter(opn, tcn, size=size, mem_every=2, memory_frames=2), frames, masks)
    assert len(done) == len(frames)
    for d in done:
        hole = masks[d.index] > 0
        assert d.image.shape == frames[d.index].shape and d.image.dtype == np.uint8
        assert np.array_equal(d.image[~hole], frames[d.index][~hole])
        if hole.any():
            assert d.steps >= 1 and not np.array_equal(d.image[hole], frames[d.index][hole])
        else:
            assert d.steps == 0 and np.array_equal(d.image, frames[d.index])
    expected_size = size or frames.shape[1:3]
    assert done[0].output.shape[-2:] == tuple(expected_size)


def test_memory_stays_bounded_on_a_longer_clip(nets):
    opn, _ = nets
    frames, masks = clip(t=40, h=16, w=24)
    masks[:] = 0
    masks[:, 4:9, 6:12] = 1
    completer = VideoCompleter(opn, None, mem_every=2, memory_frames=3, chunk_size=4)
    assert len(run(completer, frames, masks)) == 40
    assert completer.stats["peak_memory_frames"] <= 3 + 2  # K plus the next window's newcomer(s)
    assert completer.stats["peak_buffered_frames"] <= 4 + 2 * 3 + 2


def test_all_hole_frame_is_a_clear_error(nets):
    opn, tcn = nets
    frames, masks = clip(t=3)
    masks[1] = 1
    with pytest.raises(AllHoleFrameError, match="frame 1 is entirely masked"):
        run(VideoCompleter(opn, tcn, memory_frames=None), frames, masks)


def test_deep_holes_take_several_peel_steps(nets):
    opn, _ = nets
    frames, masks = clip()
    done = run(VideoCompleter(opn, None, memory_frames=2), frames, masks)
    assert max(d.steps for d in done) >= 2


def test_build_from_config_with_official_layout_weights(tmp_path, nets):
    from tempo.models.onion_peel import official_state_dict
    from tempo.models.onion_peel.build import build_completer

    opn, tcn = nets
    torch.save(official_state_dict(opn), tmp_path / "OPN.pth")
    torch.save(official_state_dict(tcn), tmp_path / "TCN.pth")
    configs = Path(__file__).resolve().parents[1] / "configs" / "onion_peel"
    demo = build_completer(configs / "opn_tcn_official_demo.py", tmp_path / "OPN.pth", tmp_path / "TCN.pth")
    assert demo.size == (240, 424) and demo.memory_frames is None and demo.mem_every == 5
    assert torch.equal(demo.opn.Decoder.conv21.gating_conv.bias, opn.Decoder.conv21.gating_conv.bias)
    streaming = build_completer(configs / "opn_tcn_streaming.py", tmp_path / "OPN.pth")
    assert streaming.size is None and streaming.memory_frames == 8 and streaming.tcn is None


def test_chunked_memory_read_equals_one_shot():
    from tempo.models.onion_peel.opn import Memory, masked_read

    torch.manual_seed(0)
    qkey, qval = torch.randn(1, 16, 6, 7), torch.randn(1, 16, 6, 7)
    query = torch.rand(1, 1, 6, 7) > 0.4
    memory = Memory(torch.randn(16, 50), torch.randn(16, 50))
    whole = masked_read(qkey, qval, query, memory)
    chunked = masked_read(qkey, qval, query, memory, max_scores=50 * 3)
    assert torch.allclose(whole, chunked, atol=1e-6)
    assert torch.equal(whole[:, :, ~query[0, 0]], qval[:, :, ~query[0, 0]])  # only the query positions change
    assert torch.equal(masked_read(qkey, qval, query, Memory(torch.zeros(16, 0), torch.zeros(16, 0))), qval)



@torch.no_grad()
def test_local_window_matches_full_frame_peel(nets):
    """Small hole, wide frame: encoder/decoder on the ring's window give the full-frame result.
    (tests/parity/test_onion_peel_window.py also shows, with trained-like weights, that a too small
    window margin is wrong, i.e. that this comparison can fail.)"""
    import tempo.models.onion_peel.opn as opn_module
    from tempo.models.onion_peel.preprocess import preprocess

    opn, _ = nets
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (64, 400, 3), dtype=np.uint8)
    mask = np.zeros((64, 400), np.uint8)
    mask[20:44, 185:215] = 1  # the ring's window (+-160 px) leaves out both sides of the frame
    frame, valid, _, dist = preprocess(img, mask)
    ref_frame, ref_valid, _, ref_dist = preprocess(np.roll(img, 7, 1), np.roll(mask, 90, 1))
    memory = opn.readable(*opn.memorize(ref_frame, ref_valid, ref_dist))
    full, _ = opn.peel_step(memory, frame, valid, dist)
    window = opn_module.ring_window(((dist > 0) & (dist <= 8)).float(), opn_module.WINDOW_MARGIN)
    assert window is not None and window[3] != slice(0, 400)  # the windowed path really runs
    local, _ = opn.peel_step(memory, frame, valid, dist, local_window=True)
    assert (local - full).abs().max() < 1e-5


def test_legacy_uint8_count_skips_reads_of_256_queries():
    from tempo.models.onion_peel.opn import Memory, masked_read

    qkey, qval = torch.randn(1, 8, 16, 16), torch.randn(1, 8, 16, 16)
    query = torch.ones(1, 1, 16, 16, dtype=torch.bool)  # 256 query positions
    memory = Memory(torch.randn(8, 10), torch.randn(8, 10))
    assert not torch.equal(masked_read(qkey, qval, query, memory), qval)
    assert torch.equal(masked_read(qkey, qval, query, memory, legacy_uint8_count=True), qval)
