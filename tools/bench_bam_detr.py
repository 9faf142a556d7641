"""Benchmark BAM-DETR (random weights, random features) with a tempo config (default: the official QVHighlights
config, 14.5 M parameters, 75 clips of 2818-d, 32 CLIP tokens).

Times:
  * per-query latency: one query, one 75-clip video (B=1), eval, no grad, + official post-processing;
  * batched throughput: queries/s at batch size --batch (all videos full length);
  * long video: ``ground_moments`` on a --long-minutes video (overlapping 75-clip windows, merged);
  * train step: forward (with the negative pass) + losses + backward + AdamW on a batch of --batch.
Prints a markdown table and, with --json, a JSON line. Example:

    python tools/bench_bam_detr.py --threads 2 --repeats 5
    python tools/bench_bam_detr.py --device cuda --batch 256
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from mmengine.config import Config

from bench_common import machine, timed  # tools/ is on sys.path when run as a script

REPO = Path(__file__).resolve().parents[1]


def random_batch(b, n_clips, n_tokens, v_dim, t_dim, device):
    return dict(src_txt=torch.randn(b, n_tokens, t_dim, device=device),
                src_txt_mask=torch.ones(b, n_tokens, device=device),
                src_vid=torch.randn(b, n_clips, v_dim, device=device),
                src_vid_mask=torch.ones(b, n_clips, device=device))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default=str(REPO / "configs/bam_detr/qvhighlights.py"))
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--clips", type=int, default=75)
    p.add_argument("--tokens", type=int, default=32)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--long-minutes", type=float, default=30.0)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    import tempo.models.bam_detr  # noqa: F401  (registers the model)
    from tempo.models.bam_detr import ground_moments, official_predictions
    from tempo.registry import MODELS

    cfg = Config.fromfile(args.config)
    torch.manual_seed(0)
    grounder = MODELS.build(cfg.model).to(args.device)
    bam = grounder.bam.eval()
    v_dim, t_dim = cfg.model.model.v_feat_dim, cfg.model.model.t_feat_dim
    dev = args.device
    results = {"machine": machine(dev), "config": Path(args.config).name,
               "params_M": round(sum(p.numel() for p in bam.parameters()) / 1e6, 2)}

    one = random_batch(1, args.clips, args.tokens, v_dim, t_dim, dev)
    meta = [{"qid": 0, "query": "", "vid": "v", "duration": args.clips * 2}]

    def query():
        with torch.no_grad():
            out = bam(**one)
        official_predictions(out, meta, max_ts=None)

    results["latency_b1_ms"] = round(1e3 * timed(query, args.repeats, dev, warmup=2)[0], 2)

    many = random_batch(args.batch, args.clips, args.tokens, v_dim, t_dim, dev)

    def batched():
        with torch.no_grad():
            bam(**many)

    results[f"throughput_b{args.batch}_qps"] = round(args.batch / timed(batched, args.repeats, dev, warmup=2)[0], 1)

    n_long = int(args.long_minutes * 60 / 2)
    video, text = torch.randn(n_long, v_dim - 2), torch.randn(args.tokens, t_dim)
    results[f"long_{args.long_minutes:g}min_ms"] = round(1e3 * timed(
        lambda: ground_moments(bam.to(dev), video.numpy(), text.numpy(), clip_len=2.0, top_k=10),
        max(1, args.repeats // 2), dev)[0], 1)

    grounder.train()
    opt = torch.optim.AdamW(grounder.parameters(), lr=1e-4)
    data_samples = {"span_labels": [torch.tensor([[0.5, 0.2]], device=dev)] * args.batch,
                    "saliency_pos_labels": torch.zeros(args.batch, 2, dtype=torch.long, device=dev),
                    "saliency_neg_labels": torch.ones(args.batch, 2, dtype=torch.long, device=dev) * 5,
                    "saliency_all_labels": torch.zeros(args.batch, args.clips, device=dev)}

    def train_step():
        losses = grounder(many, data_samples, mode="loss")
        total = sum(v for k, v in losses.items() if "loss" in k)
        opt.zero_grad()
        total.backward()
        opt.step()

    results[f"train_step_b{args.batch}_ms"] = round(1e3 * timed(train_step, max(1, args.repeats // 2), dev)[0], 1)

    if args.json:
        print(json.dumps(results))
    print("| " + " | ".join(results) + " |")
    print("|" + "---|" * len(results))
    print("| " + " | ".join(str(v) for v in results.values()) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
