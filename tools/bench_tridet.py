"""Benchmark TriDet with the THUMOS14 I3D config (16 M parameters, random weights).

Times, for one video of T features (default 2304 = max_seq_len):
  * network: backbone + neck + heads (eval, no grad),
  * decode: Trident decoding + pre-NMS candidate selection,
  * nms: multiclass Gaussian soft-NMS (tempo's numba-compiled kernel) + conversion to seconds,
  * train step: forward + loss + backward + AdamW step on a batch of 2 videos of T features.
Weights are the official initialisation (classifier prior 0.01, so every level fills its pre-NMS top-k: the
NMS load of a real THUMOS video: 11,440 candidates at T = 2304). Prints a markdown table. Example:

    python tools/bench_tridet.py --threads 2 --repeats 3

``--official DIR`` (a TriDet checkout whose ``libs/utils`` holds the built ``nms_1d_cpu`` extension:
``cd DIR/libs/utils && python setup.py build_ext --inplace``) also times the official ``batched_nms`` on the same
candidates in the same run, calls alternated, min wall of the repeats, and checks both give the same list; and,
unless ``--post-only``, both whole detectors end to end (features in, detections in seconds out) on the same
weights: the official model (built by its own ``make_meta_arch`` from its ``configs/thumos_i3d.yaml``, the tempo
state dict loaded strictly) against ``TriDet.predict_video``, on one video of ``--length`` features and on
``--videos`` videos of seeded lengths 256..max_seq_len one after another; calls alternated, min wall of the repeats,
detections compared.
``--post-only`` times post-processing alone (no network / train-step rows).
``--dtype bfloat16`` runs tempo's network under autocast at that precision (``tempo detect --dtype``; decoding and NMS
stay float32): the network row is timed at it, and the ``--official`` end-to-end rows time tempo at float32 and at it
against the official float32 in the same alternated run, and say how many of the official's top-100 detections per
video tempo at ``--dtype`` reproduces (same label, tIoU >= 0.9, one to one) and their largest score difference.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import torch
from mmengine.config import Config

from bench_common import alternated_min, machine, timed  # tools/ is on sys.path when run as a script

REPO = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(REPO / "configs" / "tridet" / "thumos14_i3d.py"))
    parser.add_argument("--length", type=int, default=2304, help="features per video (T)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--no-train", action="store_true", help="skip the training-step timing")
    parser.add_argument("--json", action="store_true", help="also print the numbers as JSON")
    parser.add_argument("--official", metavar="DIR", help="TriDet checkout with a built nms_1d_cpu (see above)")
    parser.add_argument("--post-only", action="store_true", help="time post-processing only")
    parser.add_argument("--videos", type=int, default=8, help="videos of the end-to-end folder row (--official)")
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"],
                        help="tempo's network precision (autocast); the official always runs float32")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from tempo.models.common.precision import resolve_dtype

    resolve_dtype(args.dtype, args.device)  # float16 on the CPU: one line

    import tempo.models.tridet  # noqa: F401  (registers TriDet)
    from tempo.models.tridet.postprocess import grid_to_seconds, run_nms
    from tempo.registry import MODELS

    cfg = Config.fromfile(args.config)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).to(args.device).eval()
    feats = torch.rand(cfg.model.input_dim, args.length, device=args.device)
    video = {"feats": feats, "fps": 30.0, "duration": args.length * 4 / 30.0, "feat_stride": 4,
             "feat_num_frames": 16}

    with torch.no_grad():
        inputs, masks = model.pad_batch([feats], training=False)
        t_net, out = timed(lambda: model.forward_heads_at(inputs, masks, args.dtype), args.repeats, args.device)
        t_dec, cands = timed(lambda: model.video_candidates(out), args.repeats, args.device)

        def nms():
            dets = run_nms(cands, model.test_cfg)
            dets["segments"] = grid_to_seconds(dets["segments"], 4, 16, 30.0, video["duration"])
            return dets

        t_nms, dets = timed(nms, args.repeats, "cpu")
    n_cands = len(cands["scores"])
    rows = [] if args.post_only else [(f"network (backbone + heads, {args.dtype})", t_net),
                                      ("decode + pre-NMS selection", t_dec)]
    rows.append((f"soft-NMS ({n_cands} candidates -> {len(dets['scores'])})", t_nms))
    if args.official:
        # the kernels are compared on float32 candidates: a reduced precision makes exactly equal scores, whose order
        # the official's unstable sort leaves implementation-defined (parity README)
        if args.dtype != "float32":
            with torch.no_grad():
                cands = model.video_candidates(model.forward_heads_at(inputs, masks))
        rows += compare_official(args.official, cands, model.test_cfg, args.repeats)
        if not args.post_only:
            rows += compare_official_end_to_end(args.official, model, cfg, args.length, args.videos, args.repeats,
                                                args.dtype)

    if not args.no_train and not args.post_only:
        model.train()
        optim = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.025)
        train_len = min(args.length, model.max_seq_len)
        batch = [{"feats": torch.rand(cfg.model.input_dim, train_len, device=args.device),
                  "segments": torch.tensor([[10.0, 60.0], [200.0, 230.0], [500.0, 900.0]], device=args.device),
                  "labels": torch.tensor([1, 5, 7], device=args.device)} for _ in range(2)]

        def step():
            optim.zero_grad()
            loss = model.loss(batch)["final_loss"]
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optim.step()
            return loss

        t_train, _ = timed(step, args.repeats, args.device)
        rows.append((f"train step (batch 2 x T={train_len}, fwd+bwd+AdamW)", t_train))

    params = sum(p.numel() for p in model.parameters())
    print(f"TriDet {Path(args.config).name} ({params / 1e6:.1f} M params), T={args.length}, tempo at {args.dtype}, "
          f"device: {args.device} ({machine(args.device)}), torch {torch.__version__}, median of {args.repeats}\n")
    print("| stage | time (ms) |\n| --- | ---: |")
    for name, seconds in rows:
        print(f"| {name} | {seconds * 1000:.1f} |")
    if not args.post_only:
        print(f"| end-to-end inference (network + decode + NMS) | {(t_net + t_dec + t_nms) * 1000:.1f} |")
    if args.json:
        print(json.dumps({name: seconds for name, seconds in rows}))
    return 0


def compare_official(checkout, cands, test_cfg, repeats) -> list:
    """Official ``batched_nms`` (its compiled ``nms_1d_cpu``) and tempo's on the same candidates: alternated calls,
    min wall of ``repeats`` each; asserts the two lists are identical (order included)."""
    from tempo.models.tridet.nms import batched_nms

    utils = Path(checkout) / "libs" / "utils"
    sys.path.insert(0, str(utils))  # the built nms_1d_cpu*.so lives there
    spec = importlib.util.spec_from_file_location("official_tridet_nms", utils / "nms.py")
    official = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(official)
    segs, scores, labels = (cands[k].detach().cpu() for k in ("segments", "scores", "labels"))
    args = (segs, scores, labels, test_cfg["iou_threshold"], test_cfg["min_score"], test_cfg["max_seg_num"])
    kwargs = dict(use_soft_nms=test_cfg["nms_method"] == "soft", multiclass=test_cfg["multiclass_nms"],
                  sigma=test_cfg["nms_sigma"], voting_thresh=test_cfg["voting_thresh"])
    calls = {"official": lambda: official.batched_nms(*args, **kwargs), "tempo": lambda: batched_nms(*args, **kwargs)}
    best, outs = alternated_min(calls, repeats)  # the warm-up round loads numba's compiled kernel
    same = all(torch.equal(a, b) for a, b in zip(outs["official"], outs["tempo"]))
    n = len(scores)
    return [(f"batched soft-NMS alone, official nms_1d_cpu ({n} candidates), min of {repeats}", best["official"]),
            (f"batched soft-NMS alone, tempo ({n} candidates), min of {repeats}; identical output: {same}; "
             f"tempo/official = {best['tempo'] / best['official']:.2f}", best["tempo"])]


def official_model(checkout, state_dict):
    """The official TriDet on its THUMOS14 I3D yaml, with ``state_dict`` (tempo's keys are the official ones)."""
    sys.path.insert(0, str(Path(checkout)))
    sys.path.insert(0, str(Path(checkout) / "libs" / "utils"))
    from libs.core import load_config
    from libs.modeling import make_meta_arch

    config = load_config(str(Path(checkout) / "configs" / "thumos_i3d.yaml"))
    model = make_meta_arch(config["model_name"], **config["model"])
    model.load_state_dict(state_dict, strict=True)
    return model.eval()


def compare_official_end_to_end(checkout, model, cfg, length, num_videos, repeats, dtype="float32") -> list:
    """Whole detectors on the same weights: one video of ``length`` features, then ``num_videos`` videos of seeded
    lengths one after another. Alternated, min wall of ``repeats`` each; detections compared. ``dtype`` other than
    float32: tempo at float32 and at ``dtype`` both run against the official (float32)."""
    official = official_model(checkout, model.state_dict())
    gen = torch.Generator().manual_seed(0)
    lengths = [length] + torch.randint(256, model.max_seq_len + 1, (num_videos,), generator=gen).tolist()
    videos = [{"video_id": f"v{i}", "feats": torch.rand(cfg.model.input_dim, n, generator=gen), "fps": 30.0,
               "duration": n * 4 / 30.0, "feat_stride": 4, "feat_num_frames": 16, "segments": None, "labels": None}
              for i, n in enumerate(lengths)]
    runners = {"official": lambda vs: [official([v])[0] for v in vs],
               "tempo": lambda vs: [model.predict_video(v) for v in vs]}
    if dtype != "float32":
        runners[f"tempo {dtype}"] = lambda vs: [model.predict_video(v, dtype) for v in vs]
    rows = []
    for what, vs in ((f"one video, T={length}", videos[:1]), (f"{num_videos} videos one after another, "
                                                             f"T={lengths[1:]}", videos[1:])):
        with torch.no_grad():
            best, outs = alternated_min({name: (lambda run=run: run(vs)) for name, run in runners.items()}, repeats)
        counts = [(len(a["scores"]), len(b["scores"])) for a, b in zip(outs["official"], outs["tempo"])]
        delta = max(float((a["scores"] - b["scores"]).abs().max()) if len(a["scores"]) == len(b["scores"]) else
                    float("inf") for a, b in zip(outs["official"], outs["tempo"]))
        rows.append((f"end to end, {what}: official, min of {repeats}", best["official"]))
        rows.append((f"end to end, {what}: tempo, min of {repeats}; tempo/official = "
                     f"{best['tempo'] / best['official']:.2f}; detections equal in count: "
                     f"{all(a == b for a, b in counts)}, max |score diff| in list order {delta:.1e}", best["tempo"]))
        if dtype != "float32":
            name = f"tempo {dtype}"
            matched, total, worst = zip(*(match_top(a, b) for a, b in zip(outs["official"], outs[name])))
            rows.append((f"end to end, {what}: {name}, min of {repeats}; {name}/official = "
                         f"{best[name] / best['official']:.2f}, {name}/tempo float32 = "
                         f"{best[name] / best['tempo']:.2f}; official top-100 reproduced (same label, tIoU >= 0.9): "
                         f"{sum(matched)}/{sum(total)} (worst video {min(m / t for m, t in zip(matched, total)):.0%}),"
                         f" max |score diff| of those {max(worst):.1e}", best[name]))
    return rows


def match_top(reference: dict, other: dict, k: int = 100, min_tiou: float = 0.9) -> tuple[int, int, float]:
    """How many of ``reference``'s ``k`` best detections ``other`` reproduces: in score order each takes the unused
    detection of ``other`` with the same label and the highest tIoU, if >= ``min_tiou``; (matched, of how many, the
    largest |score difference| of the matched pairs)."""
    ref_order = torch.argsort(reference["scores"], descending=True, stable=True)[:k]
    segs, scores, labels = other["segments"].double(), other["scores"], other["labels"]
    used = torch.zeros(len(scores), dtype=torch.bool)
    matched, worst = 0, 0.0
    for i in ref_order.tolist():
        start, end = reference["segments"][i].double().tolist()
        inter = (segs[:, 1].clamp(max=end) - segs[:, 0].clamp(min=start)).clamp(min=0)
        tiou = inter / ((segs[:, 1] - segs[:, 0]) + (end - start) - inter).clamp(min=1e-12)
        tiou[(labels != reference["labels"][i]) | used] = -1
        if len(tiou) and float(tiou.max()) >= min_tiou:
            j = int(tiou.argmax())
            used[j] = True
            matched += 1
            worst = max(worst, abs(float(scores[j]) - float(reference["scores"][i])))
    return matched, len(ref_order), worst


if __name__ == "__main__":
    raise SystemExit(main())
