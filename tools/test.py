"""Evaluate a tempo model on a config's test split through mmengine's Runner.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out metrics.json] [--cfg-options k=v ...]

CHECKPOINT may be tempo's safetensors, an mmengine checkpoint written by tools/train.py (the EMA weights,
which mmengine's EMAHook stores under 'state_dict'), or an official TriDet ``.pth.tar`` (``state_dict_ema``).
All load with ``weights_only=True``.
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import sys

from mmengine.config import Config, DictAction

from tempo.training import checkpoint_state, runner_from_cfg


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("checkpoint")
    parser.add_argument("--work-dir")
    parser.add_argument("--out", help="write the metrics as JSON here")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    default_dir = osp.join("work_dirs", osp.splitext(osp.basename(args.config))[0])
    cfg.work_dir = args.work_dir or cfg.get("work_dir") or default_dir
    for key in ("train_dataloader", "train_cfg", "optim_wrapper", "param_scheduler", "val_dataloader", "val_cfg",
                "val_evaluator"):
        cfg.pop(key, None)
    cfg.load_from, cfg.resume = None, False
    runner = runner_from_cfg(cfg)
    model = runner.model.module if hasattr(runner.model, "module") else runner.model
    model.load_state_dict(checkpoint_state(args.checkpoint), strict=True)
    metrics = runner.test()
    metrics = {k: float(v) for k, v in metrics.items()}
    print(json.dumps(metrics, indent=2))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(metrics, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
