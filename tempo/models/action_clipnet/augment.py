"""Label-aware clip augmentation. Without it the network memorises each training video's background instead of
learning the motion; with it, one clip becomes many whose labels are still right:

* horizontal flip: left and right swap, clockwise and counter-clockwise swap (``hflip_pairs``);
* time reversal: every action turns into its opposite (``reverse_pairs``: left/right, up/down, grow/shrink,
  cw/ccw, appear/disappear) and a start becomes an end;
* colour channel permutation, a random gain and offset, and a random square crop (position jitter).

Pairs are given by class name (configs stay readable and survive a change of class order) and resolved to
indices once. Targets are ``[active | start | end]`` blocks of ``num_classes`` (see ``targets.py``).
"""
from __future__ import annotations

import numpy as np
import torch

from tempo.data.synth import ACTION_NAMES

# tempo's synthetic benchmark: what a mirror image and what playing backwards turn each action into
SYNTH_HFLIP_PAIRS = (("move_left", "move_right"), ("rotate_cw", "rotate_ccw"))
SYNTH_REVERSE_PAIRS = (("move_left", "move_right"), ("move_up", "move_down"), ("grow", "shrink"),
                       ("rotate_cw", "rotate_ccw"), ("appear", "disappear"))


def target_permutation(class_names, pairs=(), swap_start_end: bool = False) -> np.ndarray:
    """Index array p over the 3 * C targets such that ``y[..., p]`` are the targets of the transformed clip."""
    index = {name: i for i, name in enumerate(class_names)}
    unknown = sorted({n for pair in pairs for n in pair} - set(index))
    if unknown:
        raise ValueError(f"augmentation pairs name unknown classes {unknown}; classes: {list(class_names)}")
    c = len(class_names)
    perm = np.arange(3 * c).reshape(3, c)
    for a, b in pairs:
        perm[:, [index[a], index[b]]] = perm[:, [index[b], index[a]]]
    if swap_start_end:
        perm = perm[[0, 2, 1]]
    return perm.reshape(-1)


class ClipAugmentation:
    """``(clip (3, T, H, W) float in [-1, 1], targets (3C,)) -> (clip (3, T, crop, crop), targets)``;
    all randomness comes from the ``rng`` (a ``numpy.random.Generator``) passed to each call."""

    def __init__(self, class_names=tuple(ACTION_NAMES), hflip_pairs=SYNTH_HFLIP_PAIRS,
                 reverse_pairs=SYNTH_REVERSE_PAIRS, hflip_prob: float = 0.5, reverse_prob: float = 0.5,
                 permute_colours: bool = True, gain=(0.7, 1.3), offset=(-0.2, 0.2), crop_size: int | None = 56):
        self.hflip_perm = target_permutation(class_names, [tuple(p) for p in hflip_pairs])
        self.reverse_perm = target_permutation(class_names, [tuple(p) for p in reverse_pairs], swap_start_end=True)
        self.hflip_prob, self.reverse_prob = float(hflip_prob), float(reverse_prob)
        self.permute_colours = bool(permute_colours)
        self.gain, self.offset = tuple(gain), tuple(offset)
        self.crop_size = crop_size

    def __call__(self, clip: torch.Tensor, targets, rng: np.random.Generator):
        targets = np.asarray(targets)
        if rng.random() < self.hflip_prob:
            clip, targets = clip.flip(-1), targets[..., self.hflip_perm]
        if rng.random() < self.reverse_prob:
            clip, targets = clip.flip(-3), targets[..., self.reverse_perm]
        if self.permute_colours:
            clip = clip[torch.from_numpy(rng.permutation(3))]
        clip = clip * float(rng.uniform(*self.gain)) + float(rng.uniform(*self.offset))
        if self.crop_size:
            h, w = clip.shape[-2:]
            top, left = (int(rng.integers(0, d - self.crop_size + 1)) for d in (h, w))
            clip = clip[..., top:top + self.crop_size, left:left + self.crop_size]
        return clip.contiguous(), np.ascontiguousarray(targets)
