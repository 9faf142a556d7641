"""Flow-guided propagation (``tempo.models.onion_peel.propagation``) and its flow completion."""
import cv2
import numpy as np

from tempo.models.onion_peel.flow_fill import harmonic_fill
from tempo.models.onion_peel.prop_completer import PropagationCompleter
from tempo.models.onion_peel.propagation import FlowPropagator, consistent


def _texture(h=140, w=260, seed=0):
    rng = np.random.default_rng(seed)
    tex = cv2.GaussianBlur(rng.integers(0, 256, (h, w, 3)).astype(np.uint8), (0, 0), 2)
    return cv2.normalize(tex, None, 0, 255, cv2.NORM_MINMAX)


def _pan(n=12, h=72, w=120, step=3, seed=0):
    """A texture panning ``step`` px per frame under a static hole (so each hidden pixel shows up later)."""
    tex = _texture(seed=seed)
    frames = np.stack([tex[10:10 + h, 5 + step * i:5 + step * i + w] for i in range(n)])
    holes = np.zeros((n, h, w), bool)
    holes[:, 22:46, 45:69] = True
    return frames, holes


def _run(prop, frames, holes):
    given = frames.copy()
    given[holes] = 0  # the propagation must not read the hidden truth
    return list(prop.run(len(frames), lambda idx: given[list(idx)], lambda i: holes[i]))


def _psnr(a, b):
    mse = ((a.astype(float) - b.astype(float)) ** 2).mean()
    return 10 * np.log10(255 ** 2 / max(mse, 1e-9))


def test_harmonic_fill_reproduces_a_linear_field_inside_the_hole():
    yy, xx = np.mgrid[0:40, 0:50].astype(np.float32)
    field = np.dstack([0.3 * xx - 0.1 * yy + 2, 0.05 * xx + 0.2 * yy])
    region = np.zeros((40, 50), bool)
    region[10:25, 12:30] = True
    spoiled = field.copy()
    spoiled[region] = 99.0
    filled = harmonic_fill(spoiled, region)
    assert np.abs(filled - field).max() < 1e-3  # a linear field is harmonic: the fill is exact
    assert np.array_equal(filled[~region], field[~region])


def test_translating_texture_is_recovered():
    frames, holes = _pan()
    out = _run(FlowPropagator(radius=11), frames, holes)
    residual = np.stack([o.residual for o in out])
    filled = np.stack([o.frame for o in out])
    assert residual.sum() < 0.05 * holes.sum()  # the pan uncovers every hidden pixel within 8 frames
    done = holes & ~residual
    assert _psnr(filled[done], frames[done]) > 35
    assert np.array_equal(filled[~holes], frames[~holes])  # only hole pixels change


def test_consistency_check_rejects_occluded_pixels():
    f = np.array([[3.0, 0.0], [3.0, 0.0], [10.0, 5.0]])
    b = np.array([[-3.0, 0.0], [0.0, 0.0], [-10.2, -4.9]])
    assert consistent(f, b).tolist() == [True, False, True]

    class Crafted(FlowPropagator):
        """Everything moves 2 px right; but where the right half of the hole lands, the reverse flow says
        the pixel came from elsewhere (it was occluded): those chains must stop there."""

        def _flows(self, i):
            h, w = self._holes[0].shape
            fwd = np.zeros((h, w, 2), np.float32)
            fwd[..., 0] = 2
            bwd = -fwd
            bwd[:, 60:, 0] = 0
            return fwd, bwd

    frames, holes = _pan(n=4, step=2)
    holes[1:] = False  # the hole is only on frame 0, so frame 1 shows every pixel
    out = _run(Crafted(radius=3), frames, holes)[0]
    hole_cols = np.nonzero(holes[0].any(0))[0]
    left, right = hole_cols[hole_cols + 2 < 60], hole_cols[hole_cols + 2 >= 60]
    assert not out.residual[:, left].any()  # consistent chains land and copy
    assert out.residual[22:46][:, right].all()  # inconsistent ones are left for the network


def test_no_propagation_across_a_scene_cut():
    a, holes = _pan(n=5, step=0, seed=1)  # a static shot: the static hole is never uncovered in it
    b, _ = _pan(n=5, step=0, seed=2)
    b = b // 3  # then a cut to another, darker shot without a hole
    frames = np.concatenate([a, b])
    holes = np.concatenate([holes, np.zeros_like(holes)])
    prop = FlowPropagator(radius=9)
    out = _run(prop, frames, holes)
    assert prop.stats["cuts"] == 1
    assert all(np.array_equal(o.residual, o.hole) for o in out)  # nothing copied from the other shot


def test_buffers_stay_bounded_and_telea_fills_the_rest():
    frames, holes = _pan(n=30, step=1)
    prop = FlowPropagator(radius=4, chunk_size=4)
    given = frames.copy()
    given[holes] = 0
    done = list(PropagationCompleter(prop).run(len(frames), lambda idx: given[list(idx)], lambda i: holes[i]))
    assert prop.stats["peak_buffered_frames"] <= 2 * 4 + 1 + 4
    assert prop.stats["peak_buffered_flows"] <= 2 * 4 + 1
    assert prop.stats["residual"] > 0  # 1 px/frame over 4 frames cannot uncover a 24 px hole
    out = np.stack([d.image for d in done])
    assert np.array_equal(out[~holes], frames[~holes])
    assert (out[holes] > 0).mean() > 0.99  # the residual was filled too (Telea), not left black
