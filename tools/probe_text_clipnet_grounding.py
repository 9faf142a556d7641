"""How far a TextClipNet's aligned embeddings alone go at grounding: per query, the match probability of every
feature row of its video, contiguous runs of rows above a threshold as the moments (ranked by summed
probability), scored with tempo's BAM-DETR evaluator (R1, mAP, mIoU).

No head is trained: this is a diagnostic of the features BAM-DETR will read, on frames rendered from the scene
plans of a split never trained on (the queries are the ones ``tempo synth --task ground`` writes for them).

    python tools/probe_text_clipnet_grounding.py WEIGHTS --seed 1 --split test [--threshold 0.5]
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import torch


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights", help="TextClipNet .safetensors (+ .json)")
    parser.add_argument("--preset", default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--split", default="test")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--cache-dir", default="data/text_clip_frames")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-videos", type=int, default=None, help="the split's first N videos only (quick checks)")
    parser.add_argument("--out", help="write the metrics JSON here")
    parser.add_argument("--predictions", help="write one JSON line per query here (its video, query, action, "
                                              "described object, ground truth and ranked moments) for miss analyses")
    args = parser.parse_args(argv)

    from tempo.data.synth.seeding import rng_for, scene_plan
    from tempo.data.synth.writers.ground import queries_of
    from tempo.eval.grounding import evaluate_submission
    from tempo.features.text import MiniLM
    from tempo.models.text_clipnet.dataset import clip_positions
    from tempo.models.text_clipnet.export import load_text_clipnet
    from tempo.models.text_clipnet.frames import cached_frames, split_jobs
    from tempo.models.text_clipnet.network import clips_to_input
    from tempo.tasks.text_search import runs_above

    trainer = load_text_clipnet(args.weights)
    net, cfg = trainer.network, trainer
    jobs = split_jobs(args.preset, args.seed, args.split)[:args.max_videos]
    frames = cached_frames(jobs, cfg.input_size, args.cache_dir, args.workers)
    minilm = MiniLM()
    submission, truth, rows = [], [], []
    for job, video in zip(jobs, frames):
        plan = scene_plan(job)
        n = max((len(video) - cfg.window_frames) // cfg.stride + 1, 1)
        clips = np.stack([video[np.minimum(clip_positions(w * cfg.stride, cfg.window_frames, cfg.clip_frames),
                                           len(video) - 1)] for w in range(n)])
        with torch.inference_mode():
            emb = torch.cat([net.embed_video(clips_to_input(clips[i:i + 64])) for i in range(0, n, 64)])
            queries = queries_of(plan, rng_for(job, "caption"))
            text = net.embed_text(torch.from_numpy(minilm.encode([q["query"] for q in queries])))
            prob = torch.sigmoid(net.match_logits(emb, text)).numpy().T  # (queries, rows)
        fps = plan.fps
        # a row stands for the middle half of its window (what training asked it to describe)
        starts = (np.arange(n) * cfg.stride + cfg.window_frames / 4) / fps
        ends = starts + cfg.window_frames / 2 / fps
        for q, p in zip(queries, prob):
            qid = len(truth)
            # ranked by summed probability (longer confident runs first); the --head textclip engine ranks by
            # the mean, which compares across clips
            windows = [[starts[s_i], min(ends[e_i], plan.duration), float(p[s_i:e_i + 1].mean())]
                       for s_i, e_i in runs_above(p, args.threshold, rank="sum")[:10]]
            submission.append({"qid": qid, "pred_relevant_windows": windows})
            truth.append({"qid": qid, "relevant_windows": q["windows"], "duration": plan.duration})
            rows.append({"qid": qid, "vid": job.vid, "query": q["query"], "action": q["action"],
                         "described": q["described"], "relevant_windows": q["windows"],
                         "duration": plan.duration, "pred_relevant_windows": windows})
    metrics = evaluate_submission(submission, truth, variant="bam", dataset="hl")
    out = {"weights": str(args.weights), "split": f"{args.preset} seed {args.seed} {args.split}",
           "queries": len(truth), "threshold": args.threshold, **metrics["brief"]}
    print(json.dumps(out, indent=2))
    if args.predictions:
        with open(args.predictions, "w") as f:
            f.writelines(json.dumps(r, default=float) + "\n" for r in rows)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(out, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
