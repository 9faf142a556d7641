"""Temporal chunking and spatial tiling give fn(whole clip) for shape-keeping pointwise functions."""
import pytest
import torch

from tempo.models.seedvr.tiling import run_chunked, run_tiled, tile_starts


def _pointwise(clip):
    return clip * 2.0 + 1.0


@pytest.mark.parametrize("n,chunk,overlap", [(1, 9, 4), (9, 9, 4), (23, 9, 4), (24, 5, 0), (30, 13, 8)])
def test_chunked_stream_equals_whole(n, chunk, overlap):
    clip = torch.randn(n, 4, 5, 3)
    calls = []

    def fn(x):
        calls.append(len(x))
        return _pointwise(x)

    out = torch.stack(list(run_chunked(fn, iter(clip), chunk, overlap)))
    torch.testing.assert_close(out, _pointwise(clip), rtol=1e-6, atol=1e-6)
    assert max(calls) <= chunk


def test_chunked_reads_lazily():
    pulled = []

    def frames():
        for i in range(100):
            pulled.append(i)
            yield torch.full((2, 2, 1), float(i))

    stream = run_chunked(lambda x: x, frames(), chunk=9, overlap=4)
    first = next(stream)
    assert torch.equal(first, torch.zeros(2, 2, 1))
    assert len(pulled) <= 9  # memory bounded by the chunk, not the video length


def test_chunk_seams_are_cross_faded():
    # fn adds a per-chunk constant: inside the overlap the output moves linearly between chunks
    counter = iter(range(100))
    out = torch.stack(list(run_chunked(lambda x: x * 0 + next(counter), iter(torch.zeros(13, 1, 1, 1)), 9, 5)))
    vals = out.flatten().tolist()
    assert vals[:4] == [0.0] * 4 and vals[-4:] == [1.0] * 4
    assert all(a < b for a, b in zip(vals[3:9], vals[4:9]))


@pytest.mark.parametrize("h,w,tile,overlap", [(40, 56, 32, 16), (64, 33, 32, 8), (20, 20, 32, 8)])
def test_tiled_equals_whole(h, w, tile, overlap):
    clip = torch.randn(3, h, w, 2)
    sizes = []

    def fn(x):
        sizes.append(x.shape[1:3])
        return _pointwise(x)

    torch.testing.assert_close(run_tiled(fn, clip, tile, overlap), _pointwise(clip), rtol=1e-5, atol=1e-5)
    assert all(a <= tile and b <= tile for a, b in sizes)


def test_tile_starts_cover_the_axis():
    for n in range(1, 100):
        starts = tile_starts(n, 32, 8)
        assert starts[0] == 0 and starts[-1] + min(32, n) == n
