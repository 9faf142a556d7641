"""Run a pipeline config (``pipelines/*.py``) over video files or folders.

Every stage's output is cached by content: running again on the same videos recomputes nothing, and a
changed late setting (a detection threshold) reruns only the stages from there on.
A config's ``folder_stages`` run once after every video, over all of them (ranking moments across a folder):
their results are the JSON's ``folder``. Results go to stdout as JSON (non-array outputs, and per stage: computed
or cached, seconds). With -o, a pipeline that has writing stages (exports, clips) writes its files there; one
without writes one JSON per video plus the array outputs as .npz, named like ``tempo extract`` names them
(videos/a/x.mp4 -> OUT/a/x.json).

  tempo run pipelines/detect.py clip.mp4 -o out/ --cfg-options DetectionPost.min_score=0.3
  tempo run pipelines/detect_clips.py videos/ -o clips/ --dry-run     # stage graph, cache keys, what is cached
  tempo run pipelines/ground.py clips/ -o moments/ --cfg-options "query=a red square spins"   # across the folder
  torchrun --nproc_per_node 2 -m tempo run pipelines/detect.py videos/ -o out/

Under torchrun every pipeline shards the videos over the ranks (rank r takes every N-th video, as `tempo extract`),
sharing the output and cache folders; rank 0 prints the results of all ranks (each tagged with its rank) and
exits non-zero if any video failed on any rank.

``--cfg-options`` takes mmengine-style ``key=value`` pairs: a dotted path (``stages.2.min_score=0.3``), a
``<StageType>.<param>`` (every stage of that type) or a top-level setting (``detector.checkpoint=W.safetensors``).
A .py pipeline config is Python: tempo executes it (as mmengine does), so run only configs you trust.
A .json/.yaml/.yml pipeline is read as data and may name only tempo's own stages and backbones.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from ..io.atomic import atomic_write
from ..io.discover import expand_inputs, video_ids
from ..io.outputs import check_output_dir
from ..pipeline.cache import split_outputs
from .common import print_json

HELP = "run a pipeline config over videos (stages cached)"


def add_arguments(parser) -> None:
    parser.add_argument("pipeline", help="pipeline config, e.g. pipelines/summary.py (a .py config runs as Python: "
                        "only run configs you trust; .json/.yaml are read as data)")
    parser.add_argument("inputs", nargs="+", help="video files and/or folders")
    parser.add_argument("-o", "--output", default=None, help="folder for per-video results")
    parser.add_argument("--cfg-options", nargs="+", action="extend", default=[], metavar="KEY=VALUE",
                        help="override config settings, mmengine style: stages.2.min_score=0.3, "
                             "DetectionPost.min_score=0.3, detector.checkpoint=W.safetensors")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the stage graph with each stage's cache key and whether it is cached; run nothing")


def run(args) -> int:
    from ..pipeline.overrides import parse_options
    from .pipelines import build, results_of, run_over

    pipeline = build(Path(args.pipeline), parse_options(args.cfg_options))
    out_dir = check_output_dir(args.output) if args.output else None
    # with -o, videos found in folders keep their sub-folders and name clashes stop here
    ids = video_ids(args.inputs) if out_dir is not None else [(p, None) for p in expand_inputs(args.inputs)]
    if args.dry_run:
        from ..features.distributed import rank_and_world

        return _dry_run(pipeline, ids, args.json) if rank_and_world()[0] == 0 else 0  # under torchrun: once
    writes = pipeline.first_writer < len(pipeline.stages) or any(s.writes_results for s in pipeline.folder_stages)
    vid_of = {str(p): vid for p, vid in ids}

    def finish(path: Path, ctx: dict) -> dict:
        arrays, values = split_outputs({k: v for k, v in results_of(ctx).items()})
        files = []
        if out_dir is not None and not writes:  # writing stages own the output folder
            vid = vid_of[str(path)]
            files.append(atomic_write(out_dir / f"{vid}.json", json.dumps(values, indent=2).encode()))
            if arrays:
                import io

                buf = io.BytesIO()
                np.savez(buf, **arrays)
                files.append(atomic_write(out_dir / f"{vid}.npz", buf.getvalue()))
        stages = [{k: r[k] for k in ("stage", "status", "seconds")} for r in pipeline.report if r["video"] == str(path)]
        return {"video": str(path), **values, "arrays": {k: list(v.shape) for k, v in arrays.items()},
                "stages": stages, "written": [str(f) for f in files]}

    result = run_over(pipeline, [(p, vid_of.get(str(p))) for p, _ in ids], out_dir, finish, "running pipeline",
                      debug=args.debug)
    if result.rank:  # under torchrun rank 0 holds and reports every rank's results
        return 0
    folder = _folder_result(result.folder, pipeline)
    if args.json or out_dir is None:
        print_json({"results": list(result.ok.values()), "failed": result.failed,
                    "computed": dict(pipeline.computed), **({"folder": folder} if folder else {})})
    else:  # with -o the results are in files: say which, so a successful run does not look like nothing happened
        for video, res in result.ok.items():
            made = res["written"] + res.get("files", []) + [c["file"] for c in res.get("clips", [])]
            made += ([res["reel"]["file"]] if res.get("reel") else []) + res.get("exported", [])
            print(f"{video} -> {', '.join(made)}" if made else video)
            # the per-stage report goes to stderr: stdout stays one line per video
            print("  " + ", ".join(f"{s['stage']} {s['status']} {s['seconds']:.2f}s" for s in res["stages"]),
                  file=sys.stderr)
        if folder:
            print(f"folder -> {', '.join(folder.get('files', []))}")
            print("  " + ", ".join(f"{s['stage']} {s['status']} {s['seconds']:.2f}s" for s in folder["stages"]),
                  file=sys.stderr)
    return result.exit_code


def _folder_result(outputs: dict | None, pipeline) -> dict | None:
    """The folder stages' JSON-able outputs (array shapes only) and their per-stage report."""
    from ..pipeline.pipeline import FOLDER

    if outputs is None:
        return None
    arrays, values = split_outputs(outputs)
    stages = [{k: r[k] for k in ("stage", "status", "seconds")} for r in pipeline.report if r["video"] == FOLDER]
    return {**values, "arrays": {k: list(v.shape) for k, v in arrays.items()}, "stages": stages}


def _dry_run(pipeline, ids, as_json: bool) -> int:
    from ..errors import TempoError

    plans = {}
    for path, _ in ids:
        if isinstance(path, TempoError):
            print(f"error: {path}", file=sys.stderr)
            continue
        plans[str(path)] = pipeline.plan(path)
    folder = pipeline.plan_folder(list(plans.values())) if pipeline.folder_stages and plans else None
    if as_json:
        print_json({"stages": [repr(s) for s in pipeline.stages], "plans": plans,
                    **({"folder_stages": [repr(s) for s in pipeline.folder_stages], "folder_plan": folder}
                       if pipeline.folder_stages else {})})
        return 0
    graph = " -> ".join(s.stage_name() for s in pipeline.stages)
    if pipeline.folder_stages:  # per video, then once over the folder
        graph += " => [folder] " + " -> ".join(s.stage_name() for s in pipeline.folder_stages)
    print(graph)
    for video, rows in [*plans.items(), *([("folder (every video above)", folder)] if folder else [])]:
        print(video)
        for row in rows:
            state = {True: "cached", False: "to compute", None: "always runs"}[row["cached"]]
            print(f"  {row['stage']:<18} {row['key'][:16]}  {state}")
    return 0
