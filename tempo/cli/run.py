"""Run a pipeline config (``pipelines/*.py``) over video files or folders.

Every stage's output is cached by content: running again on the same videos recomputes nothing.
Results go to stdout as JSON (non-array outputs) and, with -o, one JSON per video plus the
array outputs as .npz, named like ``tempo extract`` names them (videos/a/x.mp4 -> OUT/a/x.json).

A .py pipeline config is Python: tempo executes it (as mmengine does), so run only configs you trust.
A .json/.yaml/.yml pipeline is read as data and may name only tempo's own stages and backbones.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..io.atomic import atomic_write
from ..io.discover import expand_inputs, video_ids
from ..io.outputs import check_output_dir
from ..pipeline import Pipeline
from ..pipeline.cache import split_outputs
from .common import print_json, run_each

HELP = "run a pipeline config over videos (stages cached)"


def add_arguments(parser) -> None:
    parser.add_argument("pipeline", help="pipeline config, e.g. pipelines/summary.py (a .py config runs as Python: "
                        "only run configs you trust; .json/.yaml are read as data)")
    parser.add_argument("inputs", nargs="+", help="video files and/or folders")
    parser.add_argument("-o", "--output", default=None, help="folder for per-video results")


def run(args) -> int:
    if not Path(args.pipeline).is_file():
        from ..errors import UsageError

        raise UsageError(f"{args.pipeline}: pipeline config not found")
    out_dir = check_output_dir(args.output) if args.output else None
    # with -o, videos found in folders keep their sub-folders and name clashes stop here
    ids = video_ids(args.inputs) if out_dir is not None else [(p, None) for p in expand_inputs(args.inputs)]
    vid_of = {str(p): vid for p, vid in ids}
    pipeline = Pipeline.from_config(args.pipeline)
    written: dict[str, list[str]] = {}  # video -> files written under -o

    def one(path: Path) -> dict:
        ctx = pipeline.run(path)
        ctx.pop("video")
        arrays, values = split_outputs(ctx)
        files = []
        if out_dir is not None:
            vid = vid_of[str(path)]
            files.append(atomic_write(out_dir / f"{vid}.json", json.dumps(values, indent=2).encode()))
            if arrays:
                import io

                buf = io.BytesIO()
                np.savez(buf, **arrays)
                files.append(atomic_write(out_dir / f"{vid}.npz", buf.getvalue()))
        written[str(path)] = [str(f) for f in files]
        return {"video": str(path), **values, "arrays": {k: list(v.shape) for k, v in arrays.items()}}

    result = run_each([p for p, _ in ids], one, "running pipeline", debug=args.debug)
    if args.json or out_dir is None:
        print_json({"results": list(result.ok.values()), "failed": result.failed,
                    "computed": dict(pipeline.computed)})
    else:  # with -o the results are in files: say which, so a successful run does not look like nothing happened
        for video in result.ok:
            print(f"{video} -> {', '.join(written[str(video)])}")
    return result.exit_code

