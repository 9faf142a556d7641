"""Onion-peel parity: OPN memory encodings, per-peel-step trace, per-frame completions, group demo."""
import pytest
import torch

from tempo.models.onion_peel import OPN, load_official
from tempo.models.onion_peel.demo import complete_clip, memory_selection, preprocess_clip, to_uint8_truncated


pytestmark = pytest.mark.usefixtures("one_torch_thread")

OPN_TOL = 1e-4  # fixture README section 8: CPU convolution paths are not bit-reproducible across threads


def max_diff(a, b) -> float:
    return (a.float() - b.float()).abs().max().item()


@pytest.fixture(scope="module")
def results(parity_dir):
    """Run the OPN part of the demos once per case (a few seconds in all)."""
    d = parity_dir("onion_peel")
    inputs = torch.load(d / "inputs.pt", weights_only=True)
    outputs = torch.load(d / "outputs.pt", weights_only=True)
    opn = load_official(OPN(thickness=outputs["meta"]["thickness"]), d / "OPN.pth")
    runs = {}
    for name, case in inputs.items():
        if not isinstance(case, dict):
            continue
        out = outputs[name]
        video = "MEM_EVERY" in case
        p = preprocess_clip(case["raw_frames"].numpy(), case["raw_masks"].numpy(), (case["H"], case["W"]),
                            "linear" if video else "cubic")
        midx, ridx = memory_selection(case["raw_frames"].shape[0], case["MEM_EVERY"] if video else 1)
        trace_frame = out["trace"]["frame"] if "trace" in out else None
        runs[name] = (complete_clip(opn, p["frames"], p["valids"], p["dists"], midx, ridx, trace_frame), out)
    return runs


def test_step_counts_and_read_calls_exact(results):
    for name, (got, out) in results.items():
        assert got["n_steps"] == out["n_steps"], name
        assert got["read_calls"] == [tuple(c) for c in out["read_calls"]], name


def test_memory_encodings(results):
    for name, (got, out) in results.items():
        assert torch.equal(got["mhol"], out["mhol"]), name
        for key in ("mkey", "mval"):
            if key in out:
                assert got[key].shape == out[key].shape
                assert max_diff(got[key], out[key]) <= OPN_TOL, (name, key)


def test_peel_trace(results):
    for name, (got, out) in results.items():
        if "trace" not in out:
            continue
        assert len(got["trace"]) == len(out["trace"]["steps"])
        for i, (step, ref) in enumerate(zip(got["trace"], out["trace"]["steps"])):
            for key, value in ref.items():
                if value.dtype in (torch.bool, torch.uint8) or key.startswith("dist"):
                    assert torch.equal(step[key].to(value.dtype), value), (name, i, key)  # masks exact
                else:
                    assert max_diff(step[key], value) <= OPN_TOL, (name, i, key)


def test_completions_and_saved_images(results):
    for name, (got, out) in results.items():
        assert max_diff(got["comps"], out["comps"]) <= OPN_TOL, name
        if "ppeds" not in out:  # group demo: the saved images come from the OPN composites
            est = to_uint8_truncated(got["comps"])
            diff = (est.int() - out["est_uint8"].int()).abs()
            assert diff.max() <= 1 and (diff > 0).float().mean() < 0.01, name
