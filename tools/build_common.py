"""Pieces shared by the tools/build_default_*.py scripts."""
from __future__ import annotations

import json
from pathlib import Path


def evaluate_cached(evaluate, key: str, folder: Path, limit: int | None, work_dir: Path, weights: Path,
                    drop=("per_clip",)) -> dict:
    """``evaluate(folder, "test", checkpoint=weights, limit=limit)`` (a tempo.tasks.*_eval function), kept as
    ``<work_dir>/eval_<key>[_<limit>].json`` so a rerun (or a parallel evaluation process) reuses it."""
    cache = work_dir / f"eval_{key}{'' if limit is None else f'_{limit}'}.json"
    if cache.is_file():
        return json.loads(cache.read_text())
    result = evaluate(folder, "test", checkpoint=str(weights), limit=limit)
    for name in drop:
        result.pop(name, None)
    cache.write_text(json.dumps(result, indent=2))
    return result


def add_video_build_arguments(parser, data: str, real_data: str, config: str, work_dir: str, clip_len: int) -> None:
    """The options the restoration / completion build scripts share (synth data, held-out real footage,
    training budget)."""
    parser.add_argument("--data", default=data)
    parser.add_argument("--real-data", default=real_data, help="held-out real clips (written)")
    parser.add_argument("--opencv-doc", type=Path, default=None, help="unpacked opencv-doc .deb (optional)")
    parser.add_argument("--preset", default="small")
    parser.add_argument("--config", default=config)
    parser.add_argument("--work-dir", default=work_dir)
    parser.add_argument("--seconds", type=float, default=2700, help="training wall-clock budget (45 min)")
    parser.add_argument("--clip-len", type=int, default=clip_len, help="frames per held-out real clip")
    parser.add_argument("--limit", type=int, default=None, help="score only the first N synth test clips")


def last_iteration(work_dir: Path) -> int | None:
    """The last training iteration mmengine logged in the newest run folder of ``work_dir``."""
    logs = sorted(work_dir.glob("*/vis_data/scalars.json"))
    if not logs:
        return None
    lines = [json.loads(line) for line in logs[-1].read_text().splitlines() if line.strip()]
    return max((d.get("iter", 0) for d in lines), default=None)
