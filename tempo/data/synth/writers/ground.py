"""Moment grounding: QVHighlights-style jsonl per split (``qid``, ``query``, ``vid``, ``duration``,
``relevant_windows``, ``relevant_clip_ids``, ``saliency_scores`` over 2-second clips)."""
from __future__ import annotations

from pathlib import Path

from ...clip_saliency import clip_saliency

from ..captions import caption, distinguishing_keys, matches, pick_phrase
from ..seeding import Job, rng_for
from .common import rounded, write_json
from .scene_video import write_scene_video

CLIP_SECONDS = 2.0
EXTRA_ATTRIBUTE_PROB = 0.25  # sometimes say more than needed, as people do


def _merge(windows: list) -> list:
    out = []
    for s, e in sorted(windows):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def queries_of(plan, rng) -> list:
    ms = min(plan.width, plan.height)
    seen, out = set(), []
    for inst in plan.instances:
        attrs = [o.attributes(inst.start, ms) for o in plan.objects]
        target = attrs[inst.obj]
        keys = list(distinguishing_keys(target, attrs[:inst.obj] + attrs[inst.obj + 1:]))
        spare = [k for k in ("size", "colour", "texture") if k not in keys]
        if spare and rng.random() < EXTRA_ATTRIBUTE_PROB:
            keys.append(spare[int(rng.integers(len(spare)))])
        described = {k: target[k] for k in keys}
        verb = pick_phrase(inst.action, rng)
        to = inst.params["to"] if "{to}" in verb else None  # "turns blue": only changes into blue count
        key = (inst.action, to, tuple(sorted(described.items())))
        if key in seen:
            continue
        seen.add(key)
        windows = _merge([[j.start, j.end] for j in plan.instances if j.action == inst.action
                          and (to is None or j.params["to"] == to)
                          and matches(plan.objects[j.obj].attributes(j.start, ms), described)])
        row = {"query": caption(described, verb, inst.params, rng), "action": inst.action,
               "described": described, "windows": windows}
        if to is not None:
            row["to_colour"] = to
        out.append(row)
    return out


def make(job: Job) -> dict:
    plan, _ = write_scene_video(job)
    return {"split": job.split, "rows": annotation_rows(job, plan)}


def annotation_rows(job: Job, plan) -> list:
    """The jsonl rows (without qid) of one scene, from its plan alone (no video needed)."""
    rows = []
    for q in queries_of(plan, rng_for(job, "caption")):
        windows = [[rounded(s), rounded(e)] for s, e in q["windows"]]
        ids, scores = clip_saliency(q["windows"], plan.duration, CLIP_SECONDS)
        rows.append({"query": q["query"], "vid": job.vid, "duration": rounded(plan.duration),
                     "relevant_windows": windows, "relevant_clip_ids": ids, "saliency_scores": scores,
                     "action": q["action"], "described": q["described"],
                     **({"to_colour": q["to_colour"]} if "to_colour" in q else {})})
    return rows


def write(records: list, out_dir: Path, meta: dict) -> list:
    paths, qid = [], 0
    for split in ("train", "val", "test"):
        rows = []
        for r in records:
            if r["split"] != split:
                continue
            for row in r["rows"]:
                rows.append({"qid": qid, **row})
                qid += 1
        paths.append(write_json(Path(out_dir) / "annotations" / f"ground_{split}.jsonl", rows, lines=True))
    return paths
