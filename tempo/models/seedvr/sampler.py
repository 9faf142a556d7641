"""Rectified flow (lerp schedule, v-prediction) and the Euler sampler of SeedVR / SeedVR2.

x_t = (1 - t/T) x_0 + (t/T) x_T with v = x_T - x_0. Sampling walks uniform trailing timesteps
(T, T - T/steps, ...) and returns the endpoint prediction x_0 at the last one; steps=1 is the
SeedVR2 one-step mode: x_0 = x_T - v(x_T, T).
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch

T_MAX = 1000.0


def uniform_trailing_timesteps(steps: int, T: float = T_MAX, shift: float = 1.0, device=None) -> torch.Tensor:
    """float32 arange(1, 0, -1/steps) (with its float32 rounding), optionally SD3-shifted, times T."""
    u = torch.arange(1.0, 0.0, -1.0 / steps, device=device)
    u = shift * u / (1 + (shift - 1) * u)
    return u * T


class LerpSchedule:
    def __init__(self, T: float = T_MAX):
        self.T = T

    def A(self, t):
        return 1 - t / self.T

    def B(self, t):
        return t / self.T

    @staticmethod
    def _expand(t, like):
        t = torch.as_tensor(t, dtype=like.dtype, device=like.device)
        return t.reshape(t.shape + (1,) * (like.dim() - t.dim())) if t.dim() else t

    def forward(self, x_0, x_T, t):
        t = self._expand(t, x_0)
        return self.A(t) * x_0 + self.B(t) * x_T

    def from_v(self, v, x_t, t):
        """v-prediction -> (pred_x_0, pred_x_T)."""
        t = self._expand(t, x_t)
        a, b = self.A(t), self.B(t)
        return (x_t - b * v) / (a + b), (x_t + a * v) / (a + b)

    @staticmethod
    def to_v(x_0, x_T):
        return x_T - x_0


def euler_step_to(schedule: LerpSchedule, v, x_t, t, s):
    """From x_t at t to x_s at s (s < 0 -> pred_x_0, s > T -> pred_x_T)."""
    pred_x_0, pred_x_T = schedule.from_v(v, x_t, t)
    s_t = schedule._expand(s, x_t)
    x_s = schedule.forward(pred_x_0, pred_x_T, s_t.clamp(0, schedule.T))
    x_s = torch.where(s_t >= 0, x_s, pred_x_0)
    return torch.where(s_t <= schedule.T, x_s, pred_x_T)


def next_timestep(timesteps: torch.Tensor, t: float) -> float:
    idx = int((timesteps == t).nonzero()[0, 0]) + 1
    return float(timesteps[idx]) if idx < len(timesteps) else -1.0


def euler_sample(x: torch.Tensor, model: Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor],
                 timesteps: torch.Tensor, schedule: LerpSchedule | None = None, return_endpoint: bool = True,
                 callback: Callable[[int], None] | None = None) -> torch.Tensor:
    """``model(x_t, t, step_index) -> v``. Euler steps between consecutive timesteps, then the endpoint."""
    schedule = schedule or LerpSchedule()
    i = 0
    for t, s in zip(timesteps[:-1], timesteps[1:]):
        x = euler_step_to(schedule, model(x, t, i), x, t, s)
        i += 1
        if callback:
            callback(i)
    if return_endpoint:
        t = timesteps[-1]
        x = schedule.from_v(model(x, t, i), x, t)[0]
        if callback:
            callback(i + 1)
    return x


def classifier_free_guidance(pos: torch.Tensor, neg: torch.Tensor, scale: float, rescale: float = 0.0):
    out = neg + scale * (pos - neg)
    if rescale != 0.0:  # std rescale (Lin et al. 2023), per sample
        dims = list(range(1, pos.dim()))
        factor = pos.std(dim=dims, keepdim=True) / out.std(dim=dims, keepdim=True)
        out = out * (rescale * factor + (1 - rescale))
    return out


def guided(pos: Callable[[], torch.Tensor], neg: Callable[[], torch.Tensor], scale: float, rescale: float = 0.0):
    """Runs the negative branch only when it matters (scale != 1), as the official dispatcher does."""
    return pos() if scale == 1.0 else classifier_free_guidance(pos(), neg(), scale, rescale)


def timestep_transform(t, latent_thw: Sequence[int], T: float = T_MAX, temporal_factor: int = 4,
                       spatial_factor: int = 8) -> torch.Tensor:
    """Resolution-dependent shift of a timestep (float32): linear in pixels*frames for videos, pixels for images."""
    lt, lh, lw = (torch.tensor(int(v)) for v in latent_thw)
    frames = (lt - 1) * temporal_factor + 1
    area = (lh * spatial_factor) * (lw * spatial_factor)

    def line(x1, y1, x2, y2):
        m = (y2 - y1) / (x2 - x1)
        return lambda x: m * x + (y1 - m * x1)

    if frames > 1:
        shift = line(256 * 256 * 37, 1.0, 1280 * 720 * 145, 5.0)(area * frames)
    else:
        shift = line(256 * 256, 1.0, 1024 * 1024, 3.2)(area)
    u = torch.as_tensor(t, dtype=torch.float32) / T
    return shift * u / (1 + (shift - 1) * u) * T


def condition_timestep(cond_noise_scale: float, latent_thwc: Sequence[int], official_script_quirk: bool = True,
                       T: float = T_MAX) -> torch.Tensor:
    """Timestep of the condition noise. The official scripts pass ``latent.shape[1:]`` of a (T, H, W, C)
    latent, i.e. (H, W, C) read as (T, H, W); ``official_script_quirk`` keeps that for faithful outputs."""
    shape = latent_thwc[1:] if official_script_quirk else latent_thwc[:3]
    return timestep_transform(T * cond_noise_scale, shape, T)


def sr_condition(latent_blur: torch.Tensor, aug_noise: torch.Tensor, cond_t, schedule: LerpSchedule | None = None):
    """(T, H, W, C) low-quality latent -> (T, H, W, C + 1) condition [noised latent | mask of ones]."""
    schedule = schedule or LerpSchedule()
    noised = schedule.forward(latent_blur, aug_noise, cond_t)
    return torch.cat([noised, torch.ones_like(noised[..., :1])], dim=-1)
