"""Write action detections (dicts with ``start``, ``end`` in seconds, ``label``, ``score`` and optionally
``video``) as JSON, CSV, SRT subtitles, WebVTT captions and a timeline PNG. JSON and CSV hold every detection;
the subtitles only the confident ones, as non-overlapping cues (``subtitle_cues``). Every write is atomic
(temporary file, then rename), so an interrupted run never leaves half a file behind."""
from __future__ import annotations

import csv
import io
import json
import warnings
from contextlib import contextmanager
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


# Subtitles show only what a viewer can read: a detector returns up to hundreds of overlapping segments per video
# (most of them low-scoring), which a player stacks into an unreadable wall. JSON and CSV keep every detection.
SUBTITLE_MIN_SCORE = 0.2
SUBTITLE_MAX_LABELS = 3
SUBTITLE_MIN_SECONDS = 0.3


def subtitle_cues(detections, min_score: float = SUBTITLE_MIN_SCORE, max_labels: int = SUBTITLE_MAX_LABELS,
                  min_seconds: float = SUBTITLE_MIN_SECONDS) -> list:
    """Non-overlapping cues ``{"start", "end", "labels": [(label, score), ...]}`` in time order.

    The time line is cut at every start and end of a detection scoring at least ``min_score``; each piece shows
    the ``max_labels`` best labels active over it (each label once, with its best score). A piece joins the cue
    before it when both touch and they show the same labels, or when either is shorter than ``min_seconds`` (a
    cue that flashes for 40 ms cannot be read; the joined cue keeps the best ``max_labels`` labels of both).
    """
    rows = [r for r in _rows(detections) if r["score"] >= min_score and r["end"] > r["start"]]
    edges = sorted({t for r in rows for t in (r["start"], r["end"])})
    cues: list[dict] = []
    for a, b in zip(edges, edges[1:]):
        best: dict[str, float] = {}
        for r in rows:
            if r["start"] <= a and r["end"] >= b:
                best[r["label"]] = max(best.get(r["label"], 0.0), r["score"])
        if not best:
            continue
        top = _top(best, max_labels)
        last = cues[-1] if cues else None
        if last is not None and last["end"] == a and (
                set(last["scores"]) == set(top) or b - a < min_seconds or last["end"] - last["start"] < min_seconds):
            merged = dict(last["scores"])
            for label, score in top.items():
                merged[label] = max(merged.get(label, 0.0), score)
            last["end"], last["scores"] = b, _top(merged, max_labels)
        else:
            cues.append({"start": a, "end": b, "scores": top})
    return [{"start": c["start"], "end": c["end"], "labels": list(c["scores"].items())} for c in cues]


def _top(scores: dict, k: int) -> dict:
    """The ``k`` best labels, best first (ties by name, so the output is stable)."""
    return dict(sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k])


def _cue_text(cue: dict) -> str:
    return "\n".join(f"{label} ({score:.2f})" for label, score in cue["labels"])


def write_srt(detections, path, min_score: float = SUBTITLE_MIN_SCORE, max_labels: int = SUBTITLE_MAX_LABELS) -> Path:
    """SubRip: numbered, non-overlapping cues (``subtitle_cues``), ``HH:MM:SS,mmm`` times."""
    cues = [f"{i}\n{_timestamp(c['start'], ',')} --> {_timestamp(c['end'], ',')}\n{_cue_text(c)}\n"
            for i, c in enumerate(subtitle_cues(detections, min_score, max_labels), 1)]
    return atomic_write(path, "\n".join(cues).encode("utf8"))


def write_vtt(detections, path, min_score: float = SUBTITLE_MIN_SCORE, max_labels: int = SUBTITLE_MAX_LABELS) -> Path:
    """WebVTT: ``WEBVTT`` header, non-overlapping cues (``subtitle_cues``), ``HH:MM:SS.mmm`` times."""
    cues = [f"{_timestamp(c['start'], '.')} --> {_timestamp(c['end'], '.')}\n{_cue_text(c)}\n"
            for c in subtitle_cues(detections, min_score, max_labels)]
    return atomic_write(path, ("WEBVTT\n\n" + "\n".join(cues)).encode("utf8"))


# Fonts that draw CJK and other scripts DejaVu Sans lacks, used for file names and labels when installed.
FALLBACK_FONTS = ("Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK KR", "WenQuanYi Zen Hei",
                  "Droid Sans Fallback", "Arial Unicode MS")


@contextmanager
def _plot_text():
    """Fall back to an installed CJK font for names DejaVu Sans cannot draw, and keep matplotlib's "Glyph ...
    missing from font(s)" warnings (one per character of a file name, read as errors) out of the user's
    terminal: a missing glyph is drawn as a box, the plot is still right."""
    import matplotlib
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    families = ["DejaVu Sans", *[f for f in FALLBACK_FONTS if f in installed]]
    with matplotlib.rc_context({"font.family": families}), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font", category=UserWarning)
        yield


def write_timeline_png(detections, path, duration: float | None = None, title: str | None = None,
                       min_score: float = 0.0) -> Path:
    """One row per label, a bar per detection (opacity = score), time in seconds on the x axis."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    with _plot_text():
        return atomic_write(path, _timeline_png(detections, duration, title, min_score))


def _timeline_png(detections, duration, title, min_score) -> bytes:
    import matplotlib
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
    return buf.getvalue()


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
