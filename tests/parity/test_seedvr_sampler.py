"""SeedVR rectified-flow schedule, Euler sampler, CFG, timestep shift and SR condition vs official numbers."""
import json

import pytest
import torch

from tempo.models.seedvr.sampler import (LerpSchedule, classifier_free_guidance, condition_timestep, euler_sample,
                                         euler_step_to, guided, next_timestep, sr_condition, timestep_transform,
                                         uniform_trailing_timesteps)

REL_TOL = 1e-5
T = torch.tensor


def _close(a, b):
    b = torch.as_tensor(b, dtype=torch.float32)
    assert a.shape == b.shape
    assert (a - b).abs().max() <= REL_TOL * max(b.abs().max().item(), 1e-6)


@pytest.fixture(scope="module")
def spec(parity_dir):
    return json.loads((parity_dir("seedvr") / "sampler" / "sampler.json").read_text())


def test_uniform_trailing_timesteps(spec):
    for steps, entry in spec["timesteps"].items():
        assert torch.equal(uniform_trailing_timesteps(int(steps)), T(entry["values"]))  # float32 rounding too
    for name, values in spec["timesteps_shift_examples_not_official"].items():
        opts = dict(kv.split("=") for kv in name.split(","))
        _close(uniform_trailing_timesteps(int(opts["steps"]), shift=float(opts["shift"])), values)


def test_schedule_and_v_conversion(spec):
    sc = LerpSchedule(spec["schedule"]["T"])
    _close(sc.A(T(spec["schedule"]["t"])), spec["schedule"]["A"])
    _close(sc.B(T(spec["schedule"]["t"])), spec["schedule"]["B"])
    c = spec["v_lerp_convert_from_pred"]
    x0, xT = sc.from_v(T(c["pred"]), T(c["x_t"]), T(c["t"]))
    _close(x0, c["pred_x_0"])
    _close(xT, c["pred_x_T"])
    c = spec["v_lerp_convert_to_pred"]
    _close(sc.to_v(T(c["x_0"]), T(c["x_T"])), c["v"])
    _close(sc.forward(T(c["x_0"]), T(c["x_T"]), T(c["t"])), c["forward_x_t"])


def test_euler_steps_and_loop(spec):
    sc = LerpSchedule(spec["schedule"]["T"])
    e = spec["euler_step"]
    ts = T(e["timesteps"])
    for r in e["results"]:
        s = next_timestep(ts, r["t"])
        assert s == r["s"]
        _close(euler_step_to(sc, T(e["pred"]), T(e["x_t"]), r["t"], s), r["x_s"])
    e = spec["euler_sample_loop"]
    W, c = T(e["W"]), T(e["c"])
    calls = []

    def model(x, t, i):
        calls.append(float(t))
        return x @ W + c * (t / 1000) + 0.01 * i

    out = euler_sample(T(e["x_init"]), model, uniform_trailing_timesteps(e["steps"]), sc)
    _close(out, e["result"])
    assert len(calls) == e["steps"]


def test_one_step_mode_is_x_T_minus_v():
    x = torch.randn(2, 3)
    v = torch.randn(2, 3)
    out = euler_sample(x, lambda x_t, t, i: v, uniform_trailing_timesteps(1))
    torch.testing.assert_close(out, x - v)


def test_cfg(spec):
    c = spec["cfg"]
    for r in c["results"]:
        _close(classifier_free_guidance(T(c["pos"]), T(c["neg"]), r["scale"], r["rescale"]), r["out"])
    ran = []
    assert guided(lambda: T(1.0), lambda: ran.append(1), 1.0) == 1.0 and not ran  # no negative pass at scale 1


def test_timestep_transform(spec):
    for r in spec["timestep_transform"]["rows"]:
        _close(timestep_transform(r["t_in"], r["latents_shape"]).reshape(1), [r["t_out"]])
        _close(condition_timestep(r["t_in"] / 1000, list(r["latents_shape"]) + [16], official_script_quirk=False)
               .reshape(1), [r["t_out"]])
    for r in spec["timestep_transform_as_called_in_inference_scripts"]["rows"]:
        _close(condition_timestep(r["t_in"] / 1000, r["latent_thwc"]).reshape(1), [r["t_out"]])


def test_sr_condition(spec):
    s = spec["sr_condition"]
    for r in s["results"]:
        t = condition_timestep(r["cond_noise_scale"], s["latent_thwc"])
        _close(t.reshape(1), [r["t_transformed"]])
        _close(sr_condition(T(s["latent_blur"]), T(s["aug_noise"]), t), r["condition"])
    ic = s["image_case"]
    blur = T(ic["latent_blur"])
    _close(sr_condition(blur, torch.randn_like(blur), 0.0), ic["condition"])
