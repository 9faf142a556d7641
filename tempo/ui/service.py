"""What the demo's handlers do, without Gradio: list, index, search, detect, all confined to the root.

Shared by every visitor: the loaded models (one per checkpoint, a few kept), the feature indexes and
the list of files the page may fetch. Per visitor (a Gradio ``gr.State``, passed in here as
``choice``): which checkpoint to use, picked among the files of the ``--checkpoint-dir`` folder the
server was started with, never a path typed in the page.
"""
from __future__ import annotations

import collections
import html
import logging
import threading
import urllib.parse
from pathlib import Path

from ..errors import InputError, TempoError, UsageError
from ..tasks.vocabulary import detector_note, knows, query_note
from .safe_paths import list_videos, public_message, resolve_under_root, servable_video, shown
from .scratch import ScratchImages

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 500  # a sentence; a 10 MB "query" kept the text encoder busy for 30 s
MAX_TOP_K = 50
MAX_THUMBS = 8
CHECKPOINT_SUFFIXES = (".safetensors", ".ckpt", ".pth", ".pt", ".tar")
ENGINES_KEPT = 2  # models per kind kept in memory (each visitor may pick another checkpoint)
KINDS = ("search", "detect")


def no_choice() -> dict:
    """A visitor's checkpoint choice before they pick one: the command-line defaults."""
    return {kind: None for kind in KINDS}


def list_checkpoints(folder) -> list[str]:
    """Checkpoint files in ``folder`` (relative names; pre-filter side files left out)."""
    if folder is None:
        return []
    return [str(p.relative_to(Path(folder).resolve())) for p in _checkpoint_files(folder)]


def _checkpoint_files(folder) -> list[Path]:
    folder = Path(folder).resolve()
    out = []
    for p in folder.rglob("*"):
        rel = p.relative_to(folder)
        if (p.is_file() and p.name.endswith(CHECKPOINT_SUFFIXES) and not p.name.endswith(".prefilter.safetensors")
                and not any(part.startswith(".") for part in rel.parts)
                and folder in p.resolve().parents):  # no symlinks out of the folder
            out.append(p)
    return sorted(out)


class DemoService:
    def __init__(self, root, search_checkpoint=None, detect_checkpoint=None, checkpoint_dir=None,
                 search_head: str = "bam_detr", clip_dir=None):
        self.root = Path(root).resolve()
        self.search_head = search_head  # the moment-search engine (tempo.tasks.text_search.HEADS)
        self.clip_dir = clip_dir  # the CLIP folder of every search model that reads CLIP features
        self.defaults = {"search": search_checkpoint, "detect": detect_checkpoint}
        self.checkpoint_dir = Path(checkpoint_dir).resolve() if checkpoint_dir else None
        # Gradio's file route serves exactly these files (its `allowed_paths`, read per request):
        # the videos this app has listed, nothing else under the root.
        self.allowed: list[str] = []
        self._allowed_set: set[str] = set()
        self.scratch = ScratchImages()
        self._engines = {kind: collections.OrderedDict() for kind in KINDS}
        self._indexed: dict[tuple, list[str]] = {}  # (checkpoint, folder) -> clip keys
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ paths
    @property
    def bases(self) -> list[Path]:
        """Folders that server paths are shown relative to (everything else: its file name)."""
        return [b for b in (self.root, self.checkpoint_dir) if b is not None]

    def error(self, exc: BaseException) -> str:
        if not isinstance(exc, TempoError):
            log.error("demo handler failed", exc_info=exc)
        return f"**Error:** {public_message(exc, self.bases)}"

    def rel(self, path) -> str:
        return shown(path, self.bases)

    def list_clips(self, folder_rel) -> list[Path]:
        """The videos of a folder under the root, made fetchable by the page."""
        clips = list_videos(self.root, resolve_under_root(self.root, folder_rel))
        self._allow(clips)
        return clips

    def _allow(self, clips) -> None:
        with self._lock:
            for clip in map(str, clips):
                if clip not in self._allowed_set:
                    self._allowed_set.add(clip)
                    self.allowed.append(clip)

    def clip_names(self, folder_rel) -> list[str]:
        return [self.rel(p) for p in self.list_clips(folder_rel)]

    # ------------------------------------------------------------------ checkpoints
    def checkpoint_choices(self) -> list[str]:
        return list_checkpoints(self.checkpoint_dir)

    def choose(self, choice: dict | None, kind: str, name: str | None) -> dict:
        """A visitor's new choice (a copy); ``name`` must be one of the listed checkpoint files."""
        name = (name or "").strip() or None
        if name is not None and name not in self.checkpoint_choices():
            raise UsageError(f"{name!r} is not one of the checkpoints this server offers")
        return {**(choice or no_choice()), kind: name}

    def checkpoint(self, choice: dict | None, kind: str):
        name = (choice or {}).get(kind)
        if name is None:
            return self.defaults[kind]
        if name not in self.checkpoint_choices():  # listed when chosen, gone since
            raise UsageError(f"checkpoint {name!r} is no longer offered")
        return str(self.checkpoint_dir / name)

    def describe(self, choice: dict | None) -> str:
        names = {"search": "BAM-DETR (search)", "detect": "TriDet (detect)"}
        lines = []
        for kind in KINDS:
            ckpt = self.checkpoint(choice, kind)
            lines.append(f"{names[kind]}: `{'embedded default' if ckpt is None else self.rel(ckpt)}`")
            known = knows(kind, ckpt)
            if known:
                lines.append(f"&nbsp;&nbsp;{html.escape(known, quote=False)}")
        return "\n\n".join(lines)

    def _engine(self, kind: str, checkpoint):
        cache = self._engines[kind]
        with self._lock:
            if checkpoint in cache:
                cache.move_to_end(checkpoint)
                return cache[checkpoint]
        if kind == "search":
            from ..tasks.text_search import make_search

            clip = {"clip_dir": self.clip_dir} if self.clip_dir else {}
            engine = make_search(self.search_head, checkpoint=checkpoint, **clip)
        else:
            from ..tasks.detect import ActionDetector

            engine = ActionDetector(checkpoint=checkpoint)
        with self._lock:
            engine = cache.setdefault(checkpoint, engine)
            cache.move_to_end(checkpoint)
            while len(cache) > ENGINES_KEPT:
                old, _ = cache.popitem(last=False)
                for key in [k for k in self._indexed if k[0] == old]:
                    del self._indexed[key]
        return engine

    # ------------------------------------------------------------------ search
    def index(self, folder_rel, choice=None, progress=None) -> str:
        try:
            keys, skipped = self._index(folder_rel, choice, progress)
        except Exception as exc:  # noqa: BLE001  (shown in the page; details in the log)
            return self.error(exc)
        msg = f"Indexed **{len(keys)}** clips in `{folder_rel}`."
        if skipped:
            msg += "\n\nSkipped (not readable as video):\n" + "\n".join(
                f"- `{name}`: {reason}" for name, reason in skipped.items())
        return msg

    def _index(self, folder_rel, choice, progress=None):
        checkpoint = self.checkpoint(choice, "search")
        engine = self._engine("search", checkpoint)
        clips = self.list_clips(folder_rel)
        keys, skipped = [], {}
        for i, clip in enumerate(clips):
            key = str(clip)
            try:
                if key not in engine.clips:
                    engine.add_clip(key, *engine.clip_features(clip))
                keys.append(key)
            except InputError as exc:
                skipped[self.rel(clip)] = exc.reason
            except Exception as exc:  # noqa: BLE001  (any one file's failure must not stop the indexing)
                log.exception("indexing %s failed", clip)
                skipped[self.rel(clip)] = public_message(exc, self.bases)
            if progress:
                progress(i + 1, len(clips), clip.name)
        self._indexed[(checkpoint, str(resolve_under_root(self.root, folder_rel)))] = keys
        return keys, skipped

    def search(self, folder_rel, query, top_k=10, choice=None):
        """(table rows, status line, gallery items as (image file, caption))."""
        query = (query or "").strip()
        if not query:
            return [], "**Type a query first.**", []
        if len(query) > MAX_QUERY_CHARS:
            return [], f"**Query too long:** {len(query)} characters, at most {MAX_QUERY_CHARS}.", []
        top_k = min(max(int(top_k), 1), MAX_TOP_K)
        try:
            engine = self._engine("search", self.checkpoint(choice, "search"))
            key = (self.checkpoint(choice, "search"), str(resolve_under_root(self.root, folder_rel)))
            if key not in self._indexed or any(c not in engine.clips for c in self._indexed[key]):
                self._index(folder_rel, choice)
            clips = self._indexed[key]
            moments = engine.search(query, top_k=top_k, clips=clips) if clips else []
            if not moments:
                return [], "No clips indexed in this folder.", []
            rows = [[i + 1, self.rel(m.clip), round(m.start, 2), round(m.end, 2), round(m.score, 4)]
                    for i, m in enumerate(moments)]
            thumbs = [(self.scratch.frame(engine.thumbnail(m.clip, (m.start + m.end) / 2)),
                       f"#{i + 1} {Path(m.clip).name}") for i, m in enumerate(moments[:MAX_THUMBS])]
        except Exception as exc:  # noqa: BLE001
            return [], self.error(exc), []
        status = f"{len(moments)} moments for “{html.escape(query)}”."
        note = query_note(query, engine.bundle)  # the model answers even about words it never saw: say so
        return rows, status + (f"\n\n**{html.escape(note, quote=False)}**" if note else ""), thumbs

    def select(self, clip_rel, start, query, choice=None):
        """(player HTML starting at ``start``, score timeline image or None) for a clicked result row."""
        try:
            clip = resolve_under_root(self.root, clip_rel)
            if str(clip) not in self._allowed_set:
                raise InputError(clip_rel, "not a clip this page has listed")
            player = _video_html(clip, self.rel(clip), float(start))
        except Exception as exc:  # noqa: BLE001
            return self.error(exc), None
        query = (query or "").strip()
        if not query or len(query) > MAX_QUERY_CHARS:
            return player, None
        try:
            engine = self._engine("search", self.checkpoint(choice, "search"))
            if str(clip) not in engine.clips:
                return player, None
            return player, self.scratch.figure(engine.timeline_figure(str(clip), query))
        except Exception as exc:  # noqa: BLE001  (the player still works without the timeline)
            log.warning("no score timeline for %s: %s", clip_rel, public_message(exc, self.bases))
            return player, None

    # ------------------------------------------------------------------ detect
    def detect(self, clip_rel, choice=None):
        """(table rows, status line, timeline image file or None)."""
        from ..io.exports import write_timeline_png

        try:
            if not clip_rel:
                raise UsageError("pick a clip first")
            clip = servable_video(self.root, resolve_under_root(self.root, clip_rel))
            if clip is None:
                raise InputError(clip_rel, "not a video file this page lists")
            self._allow([clip])
            segments = self._engine("detect", self.checkpoint(choice, "detect")).detect(clip)
            name = self.rel(clip)
            plot = str(write_timeline_png(segments, self.scratch.new_path(".png"), title=name))  # atomic itself
        except Exception as exc:  # noqa: BLE001
            return [], self.error(exc), None
        rows = [[s["label"], round(s["start"], 2), round(s["end"], 2), round(s["score"], 4)] for s in segments]
        engine = self._engine("detect", self.checkpoint(choice, "detect"))
        note = detector_note(engine.classes, engine.bundle)
        status = f"{len(rows)} detections in `{name}`."
        return rows, status + (f"\n\n{html.escape(note, quote=False)}" if note else ""), plot


def _video_html(path: Path, name: str, start: float) -> str:
    """An HTML5 player starting at the moment (media fragment ``#t=start`` seeks on load). Gradio's
    file route serves ``path`` because the page listed it (``DemoService.allowed``)."""
    src = f"/gradio_api/file={urllib.parse.quote(str(path))}#t={start:.2f}"
    return (f'<video id="tempo-player" src="{html.escape(src)}" data-start="{start:.2f}" controls autoplay muted '
            f'preload="auto" style="width:100%;max-height:420px"></video>'
            f'<div id="tempo-now-playing">{html.escape(name)} from {start:.2f} s</div>')
