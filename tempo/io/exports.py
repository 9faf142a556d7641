"""Write action detections (dicts with ``start``, ``end`` in seconds, ``label``, ``score`` and optionally
``video``) as JSON, CSV, SRT subtitles, WebVTT captions and a timeline PNG. Every write is atomic
(temporary file, then rename), so an interrupted run never leaves half a file behind."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .atomic import atomic_write

FORMATS = ("json", "csv", "srt", "vtt", "png")


def _rows(detections, by_time: bool = False) -> list[dict]:
    rows = [{"video": d.get("video"), "start": float(d["start"]), "end": float(d["end"]), "label": str(d["label"]),
             "score": float(d["score"])} for d in detections]
    if by_time:
        rows.sort(key=lambda r: (r["start"], r["end"], -r["score"]))
    return rows


def write_json(detections, path, **meta) -> Path:
    """``{"detections": [...], **meta}``; segments in seconds."""
    doc = {**meta, "detections": _rows(detections)}
    return atomic_write(path, json.dumps(doc, indent=2).encode("utf8"))


def write_csv(detections, path) -> Path:
    rows = _rows(detections)
    has_video = any(r["video"] is not None for r in rows)
    fields = (["video"] if has_video else []) + ["start", "end", "label", "score"]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({**r, "start": f"{r['start']:.3f}", "end": f"{r['end']:.3f}", "score": f"{r['score']:.4f}"})
    return atomic_write(path, buf.getvalue().encode("utf8"))


def _timestamp(seconds: float, sep: str) -> str:
    ms = max(0, int(round(seconds * 1000)))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _cue_text(r: dict) -> str:
    return f"{r['label']} ({r['score']:.2f})"


def write_srt(detections, path) -> Path:
    """SubRip: numbered cues in start-time order, ``HH:MM:SS,mmm`` times."""
    cues = [f"{i}\n{_timestamp(r['start'], ',')} --> {_timestamp(r['end'], ',')}\n{_cue_text(r)}\n"
            for i, r in enumerate(_rows(detections, by_time=True), 1)]
    return atomic_write(path, "\n".join(cues).encode("utf8"))


def write_vtt(detections, path) -> Path:
    """WebVTT: ``WEBVTT`` header, ``HH:MM:SS.mmm`` times, cues in start-time order."""
    cues = [f"{_timestamp(r['start'], '.')} --> {_timestamp(r['end'], '.')}\n{_cue_text(r)}\n"
            for r in _rows(detections, by_time=True)]
    return atomic_write(path, ("WEBVTT\n\n" + "\n".join(cues)).encode("utf8"))


def write_timeline_png(detections, path, duration: float | None = None, title: str | None = None,
                       min_score: float = 0.0) -> Path:
    """One row per label, a bar per detection (opacity = score), time in seconds on the x axis."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure  # the OO API: no global pyplot state, safe in threads

    rows = [r for r in _rows(detections, by_time=True) if r["score"] >= min_score]
    labels = sorted({r["label"] for r in rows})
    end = duration if duration is not None else max([r["end"] for r in rows], default=1.0)
    fig = Figure(figsize=(10, 0.45 * max(len(labels), 1) + 1.2), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    colours = matplotlib.colormaps["tab20"]
    for y, label in enumerate(labels):
        for r in (r for r in rows if r["label"] == label):
            ax.barh(y, max(r["end"] - r["start"], end * 1e-3), left=r["start"], height=0.7,
                    color=colours(y % 20), alpha=0.25 + 0.75 * min(max(r["score"], 0.0), 1.0))
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlim(0, max(end, 1e-3))
    ax.set_ylim(-0.6, max(len(labels), 1) - 0.4)
    ax.invert_yaxis()
    ax.set_xlabel("time (s)")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return atomic_write(path, buf.getvalue())


def export_detections(detections, stem, formats=FORMATS, duration: float | None = None, **meta) -> list[Path]:
    """Write ``<stem>.<ext>`` for each requested format; returns the paths written."""
    stem = Path(stem)
    writers = {"json": lambda p: write_json(detections, p, **meta), "csv": lambda p: write_csv(detections, p),
               "srt": lambda p: write_srt(detections, p), "vtt": lambda p: write_vtt(detections, p),
               "png": lambda p: write_timeline_png(detections, p, duration=duration, title=meta.get("video"))}
    unknown = set(formats) - set(writers)
    if unknown:
        raise ValueError(f"unknown export formats {sorted(unknown)}; choose from {FORMATS}")
    return [writers[fmt](stem.with_name(f"{stem.name}.{fmt}")) for fmt in formats]
