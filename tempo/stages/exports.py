"""Stages that write results into the run's output folder (``context["output_dir"]``, one name per video:
``context["video_id"]``). Never cached; every file is written atomically (``tempo.io.atomic``). Without an
output folder they write nothing."""
from __future__ import annotations

from pathlib import Path

from ..io.exports import FORMATS
from ..pipeline import Stage
from ..registry import STAGES


def output_stem(context: dict) -> Path | None:
    out = context.get("output_dir")
    if out is None:
        return None
    return Path(out) / (context.get("video_id") or Path(context["video"]).stem)


@STAGES.register_module()
class ExportDetections(Stage):
    """``<stem>.json/.csv/.srt/.vtt/.png`` of ``detections`` (``tempo.io.exports``)."""

    cacheable = False
    writes_results = True

    def __init__(self, formats=FORMATS):
        formats = [formats] if isinstance(formats, str) else list(formats)
        if set(formats) - set(FORMATS):
            raise ValueError(f"unknown formats {sorted(set(formats) - set(FORMATS))}; choose from {', '.join(FORMATS)}")
        super().__init__(formats=formats)

    def run(self, context: dict) -> dict:
        from ..io import probe
        from ..io.exports import export_detections

        stem = output_stem(context)
        if stem is None:
            return {"files": []}
        video = Path(context["video"])  # what was detected on (a completed video, say): its duration
        duration = probe(video).duration if video.exists() else None
        written = export_detections(context["detections"], stem, self.params["formats"], duration=duration,
                                    video=str(context.get("source_video") or video))
        return {"files": [str(p) for p in written]}


@STAGES.register_module()
class ExportMoments(Stage):
    """``<stem>.moments.json`` and ``.csv``: the grounded moments of this video (query, rank, start, end, score)."""

    cacheable = False
    writes_results = True

    def __init__(self, formats=("json", "csv")):
        super().__init__(formats=list(formats))

    def run(self, context: dict) -> dict:
        from ..io.atomic import atomic_write

        stem = output_stem(context)
        if stem is None:
            return {"files": []}
        rows = [{"clip": str(context["video"]), **m} for m in context["moments"]]
        files = [atomic_write(stem.with_name(f"{stem.name}.moments.{fmt}"), moments_text(rows, fmt))
                 for fmt in ("json", "csv") if fmt in self.params["formats"]]
        return {"files": [str(f) for f in files]}


def moments_text(rows: list, fmt: str) -> str:
    """Moment rows {query, rank, clip, start, end, score} as a JSON array or a CSV table."""
    import csv
    import io
    import json

    if fmt == "json":
        return json.dumps(rows, indent=2)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["query", "rank", "clip", "start", "end", "score"], extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


@STAGES.register_module()
class ExportRanked(Stage):
    """Folder stage: the ranked ``moments`` of a folder search as ``output`` (one .json or .csv file, its suffix
    says which) or, without it, as ``moments.json``/``moments.csv`` (``formats``) in the run's output folder."""

    cacheable = False
    writes_results = True
    FORMATS = ("json", "csv")

    def __init__(self, formats=FORMATS, output: str | None = None):
        formats = [formats] if isinstance(formats, str) else list(formats)
        if set(formats) - set(self.FORMATS):
            raise ValueError(f"unknown formats {sorted(set(formats) - set(self.FORMATS))}; choose from json, csv")
        super().__init__(formats=formats, output=None if output is None else str(output))

    def run(self, context: dict) -> dict:
        from ..io.atomic import atomic_write

        if self.params["output"]:
            out = Path(self.params["output"])
            targets = [(out, "csv" if out.suffix.lower() == ".csv" else "json")]
        elif context.get("output_dir") is not None:
            targets = [(Path(context["output_dir"]) / f"moments.{fmt}", fmt) for fmt in self.params["formats"]]
        else:
            targets = []
        return {"files": [str(atomic_write(path, moments_text(context["moments"], fmt))) for path, fmt in targets]}


@STAGES.register_module()
class ExportVideo(Stage):
    """Copy a file output (``source``, e.g. ``restored``) to ``<stem><suffix>`` (or to ``output`` when given)."""

    cacheable = False
    writes_results = True

    def __init__(self, source: str = "video_out", suffix: str = "", output: str | None = None):
        super().__init__(source=source, suffix=suffix, output=output)

    def run(self, context: dict) -> dict:
        from ..io.atomic import atomic_copy

        src = Path(context[self.params["source"]])
        if self.params["output"]:
            dst = Path(self.params["output"])
        else:
            stem = output_stem(context)
            if stem is None:
                return {"files": []}
            dst = stem.with_name(stem.name + self.params["suffix"] + src.suffix)
        return {"files": [str(atomic_copy(src, dst))]}


@STAGES.register_module()
class ExportFiles(Stage):
    """Copy the file outputs a list names (``source``, e.g. ``restored_moments``: items with ``output``, start,
    end, label) to ``<stem>/<n>_<label>_<start>-<end><suffix>``; outputs ``exported`` (their paths)."""

    cacheable = False
    writes_results = True

    def __init__(self, source: str = "restored_moments"):
        super().__init__(source=source)

    def run(self, context: dict) -> dict:
        from ..io.atomic import atomic_copy
        from .clips import _slug

        stem = output_stem(context)
        if stem is None:
            return {"exported": []}
        files = []
        for i, item in enumerate(context[self.params["source"]]):
            src = Path(context[item["output"]])
            name = f"{i:03d}_{_slug(item.get('label'))}_{item['start']:.2f}-{item['end']:.2f}{src.suffix}"
            files.append(str(atomic_copy(src, stem / name)))
        return {"exported": files}
