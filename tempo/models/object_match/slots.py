"""Object slots of feature rows: for each row window, the objects ``ForegroundNet`` finds and what
``ObjectClipNet`` says about each (objectness, attribute and action probabilities), ``MAX_OBJECTS`` slots per row,
most object-like first, empty slots zero."""
from __future__ import annotations

import numpy as np
import torch

from .labels import HEADS, SLOT_DIM
from .objects import MAX_OBJECTS, crops, find_blobs
from .recogniser import crops_to_input
from .segmenter import frames_to_input

SLOTS_DIM = MAX_OBJECTS * SLOT_DIM
WINDOW_FRAMES, CLIP_FRAMES, STRIDE = 16, 8, 4  # the feature rows of the default grounder (TextClipNet's grid)
MIDDLE = CLIP_FRAMES // 2  # the clip frame at the row's centre
FG_BATCH = 16
CROP_BATCH = 32  # objects per recogniser forward


def foreground_maps(segmenter, frames: np.ndarray) -> np.ndarray:
    """(N, H, W, 3) uint8 -> (N, h, w) float32 foreground probabilities."""
    out = []
    with torch.inference_mode():
        for s in range(0, len(frames), FG_BATCH):
            out.append(torch.sigmoid(segmenter(frames_to_input(frames[s:s + FG_BATCH])))[:, 0].numpy())
    return np.concatenate(out) if out else np.zeros((0,) + tuple(np.array(frames.shape[1:3]) // 2), np.float32)


def slot_rows(recogniser, windows: list, middle: int) -> np.ndarray:
    """``windows``: per row (frames (T, H, W, 3), foreground (T, h, w)) -> (rows, SLOTS_DIM) float32."""
    cut, owner = [], []
    for r, (frames, fg) in enumerate(windows):
        c = crops(frames, fg, find_blobs(fg, middle))
        cut.append(c)
        owner += [r] * len(c)
    out = np.zeros((len(windows), MAX_OBJECTS, SLOT_DIM), np.float32)
    if not owner:
        return out.reshape(len(windows), -1)
    everything = np.concatenate(cut)
    probs = []
    with torch.inference_mode():
        for s in range(0, len(everything), CROP_BATCH):
            pred = recogniser(crops_to_input(everything[s:s + CROP_BATCH]))
            parts = [torch.sigmoid(pred["object"])[:, None]] + [pred[k].softmax(1) for k in HEADS]
            probs.append(torch.cat(parts, 1).numpy())
    probs = np.concatenate(probs)
    owner = np.asarray(owner)
    for r in range(len(windows)):
        mine = probs[owner == r]
        mine = mine[np.argsort(-mine[:, 0], kind="stable")]
        out[r, :len(mine)] = mine
    return out.reshape(len(windows), -1)


def video_slot_rows(segmenter, recogniser, frames: np.ndarray, fps: float) -> np.ndarray:
    """Slot rows of a whole video's frames (N, 224, 224, 3) on the ``centered`` grid, exactly the rows the
    ``ObjectSlots`` backbone extracts from the video (each frame segmented once)."""
    from tempo.features.windows import centered_windows

    plan = centered_windows(len(frames), fps, WINDOW_FRAMES, STRIDE)
    positions = [plan.clip_positions(i, CLIP_FRAMES) for i in range(len(plan))]
    used = np.unique(np.concatenate(positions))
    maps = np.zeros((len(frames),) + tuple(-(-np.array(frames.shape[1:3]) // 2)), np.float32)
    maps[used] = foreground_maps(segmenter, frames[used])
    return slot_rows(recogniser, [(frames[p], maps[p]) for p in positions], MIDDLE)
