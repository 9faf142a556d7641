"""Train any tempo model from an mmengine config through mmengine's Runner.

    python tools/train.py configs/tridet/synth_effnet.py [--work-dir DIR] [--resume] [--cfg-options k=v ...]

After training, the (EMA) weights are also written as ``<work_dir>/final.safetensors`` + ``final.json``
(tempo's own checkpoint format, loadable with ``tempo.models.tridet.load_tempo_checkpoint``). Grounding configs
with ``search_bundle = dict()`` also get ``<work_dir>/search.safetensors`` + ``.json``, a bundle ``tempo ground
--checkpoint`` and the demo use (how to extract its video rows and encode its queries, read from the training
data's feature files: tempo.tasks.ground_bundle); BAM-DETR sizes given as "auto" come from the same files.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.runner import Runner  # noqa: F401  (the type build_runner returns)

from tempo.tasks.ground_bundle import export_search_bundle, resolve_feature_dims
from tempo.training import export_weights, mmengine_checkpoint_globals, runner_from_cfg


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", help="mmengine config file (e.g. configs/tridet/synth_effnet.py)")
    parser.add_argument("--work-dir", help="folder for logs and checkpoints (default: work_dirs/<config name>)")
    parser.add_argument("--resume", nargs="?", const="auto", default=None,
                        help="resume from the latest checkpoint in the work dir, or from the given file")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction, help="override config entries, key=value")
    parser.add_argument("--time-budget", type=float, default=None, metavar="SECONDS",
                        help="epoch-based configs: time a few iterations first, then set max_epochs so the whole "
                             "schedule (and validation) fits in SECONDS of wall clock")
    return parser.parse_args(argv)


def build_runner(args) -> tuple[Runner, dict]:
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    resolve_feature_dims(cfg)  # v_feat_dim / t_feat_dim = "auto": from the training data
    if args.time_budget:
        from tempo.training.budget import epochs_for_budget, set_max_epochs

        set_max_epochs(cfg, epochs_for_budget(cfg, args.time_budget))
        print(f"time budget: max_epochs = {cfg.train_cfg.max_epochs}")
    default_dir = osp.join("work_dirs", osp.splitext(osp.basename(args.config))[0])
    cfg.work_dir = args.work_dir or cfg.get("work_dir") or default_dir
    if args.resume == "auto":
        cfg.resume, cfg.load_from = True, None
    elif args.resume:
        cfg.resume, cfg.load_from = True, args.resume
    model_cfg = cfg.model.to_dict() if hasattr(cfg.model, "to_dict") else dict(cfg.model)
    return runner_from_cfg(cfg), model_cfg


def main(argv=None) -> int:
    args = parse_args(argv)
    runner, model_cfg = build_runner(args)
    with mmengine_checkpoint_globals():
        runner.train()
    path = export_weights(runner, osp.join(runner.work_dir, "final.safetensors"), model_cfg)
    print(f"weights: {path}")
    bundle = export_search_bundle(runner.cfg, path, model_cfg, runner.work_dir)
    if bundle is not None:
        print(f"search bundle: {bundle}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
