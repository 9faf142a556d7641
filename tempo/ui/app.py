"""Gradio moment-search app: index a folder of clips, search it by text, play the moment.

The app owns no model logic: it calls ``tempo.tasks.ground.MomentSearch`` (the same object
``tempo ground`` uses) and ``tempo.tasks.detect.ActionDetector`` (``tempo detect``).
Everything the browser names is a path relative to ``root`` and is checked by ``safe_paths``.
"""
# No `from __future__ import annotations`: Gradio reads the handlers' real annotations to inject
# gr.SelectData into the row-click handler.
import html
import logging
import urllib.parse
from pathlib import Path

from ..errors import TempoError
from .safe_paths import list_folders, resolve_under_root

log = logging.getLogger(__name__)
RESULT_HEADERS = ["rank", "clip", "start", "end", "score"]


class DemoState:
    """Engines and indexes shared by the sessions of one app (indexes are cached per folder)."""

    def __init__(self, root, search_checkpoint=None, detect_checkpoint=None):
        self.root = Path(root).resolve()
        self.search_checkpoint = search_checkpoint
        self.detect_checkpoint = detect_checkpoint
        self._search = {}
        self._detector = None

    def search_engine(self, folder: Path):
        from ..tasks.ground import MomentSearch

        key = (str(folder), self.search_checkpoint)
        if key not in self._search:
            self._search[key] = MomentSearch(checkpoint=self.search_checkpoint)
        return self._search[key]

    def detector(self):
        from ..tasks.detect import ActionDetector

        if self._detector is None or self._detector.checkpoint != self.detect_checkpoint:
            self._detector = ActionDetector(checkpoint=self.detect_checkpoint)
        return self._detector


def _video_html(root: Path, clip: str, start: float) -> str:
    """An HTML5 player starting at the moment (media fragment ``#t=start`` seeks on load)."""
    path = resolve_under_root(root, clip)
    src = f"/gradio_api/file={urllib.parse.quote(str(path))}#t={start:.2f}"
    return (f'<video id="tempo-player" src="{html.escape(src)}" data-start="{start:.2f}" controls autoplay muted '
            f'preload="auto" style="width:100%;max-height:420px"></video>'
            f'<div id="tempo-now-playing">{html.escape(clip)} from {start:.2f} s</div>')


def build_app(root, search_checkpoint=None, detect_checkpoint=None):
    import gradio as gr

    state = DemoState(root, search_checkpoint, detect_checkpoint)
    folders = list_folders(state.root)

    def do_index(folder_rel, progress=gr.Progress()):
        try:
            folder = resolve_under_root(state.root, folder_rel)
            engine = state.search_engine(folder)
            report = engine.index_folder(folder, progress=lambda done, total, name: progress(
                (done, total), desc=f"indexing {name}"))
        except TempoError as exc:
            return f"**Error:** {exc}"
        msg = f"Indexed **{len(report.clips)}** clips in `{folder_rel}`."
        if report.skipped:
            msg += "\n\nSkipped (not readable as video):\n" + "\n".join(
                f"- `{Path(p).name}`: {reason}" for p, reason in report.skipped.items())
        return msg

    def do_search(folder_rel, query, top_k):
        if not (query or "").strip():
            return [], "**Type a query first.**", []
        try:
            folder = resolve_under_root(state.root, folder_rel)
            engine = state.search_engine(folder)
            if not engine.is_indexed(folder):
                engine.index_folder(folder)
            moments = engine.search(query, top_k=int(top_k), folder=folder)
        except TempoError as exc:
            return [], f"**Error:** {exc}", []
        if not moments:
            return [], "No clips indexed in this folder.", []
        rows = [[i + 1, str(Path(m.clip).relative_to(state.root)), round(m.start, 2), round(m.end, 2),
                 round(m.score, 4)] for i, m in enumerate(moments)]
        thumbs = [(engine.thumbnail(m.clip, (m.start + m.end) / 2), f"#{i + 1} {Path(m.clip).name}")
                  for i, m in enumerate(moments[:8])]
        return rows, f"{len(moments)} moments for “{query}”.", thumbs

    def on_select(rows, query, folder_rel, evt: gr.SelectData):
        row = rows.values.tolist()[evt.index[0]] if hasattr(rows, "values") else rows[evt.index[0]]
        clip, start = str(row[1]), float(row[2])
        player = _video_html(state.root, clip, start)
        try:
            folder = resolve_under_root(state.root, folder_rel)
            fig = state.search_engine(folder).timeline_figure(resolve_under_root(state.root, clip), query)
        except TempoError:
            fig = None
        return player, fig

    def do_detect(clip_rel):
        try:
            clip = resolve_under_root(state.root, clip_rel)
            segments = state.detector().detect(clip)
        except TempoError as exc:
            return [], f"**Error:** {exc}", None
        rows = [[s["label"], round(s["start"], 2), round(s["end"], 2), round(s["score"], 4)] for s in segments]
        from ..io.exports import timeline_figure

        return rows, f"{len(rows)} detections in `{clip_rel}`.", timeline_figure(segments, title=clip_rel)

    def clips_in(folder_rel):
        try:
            folder = resolve_under_root(state.root, folder_rel)
        except TempoError:
            return gr.update(choices=[])
        from ..io.discover import VIDEO_SUFFIXES

        clips = sorted(str(p.relative_to(state.root)) for p in folder.rglob("*")
                       if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file())
        return gr.update(choices=clips, value=clips[0] if clips else None)

    def set_checkpoints(search_ckpt, detect_ckpt):
        msgs = []
        for name, value, attr in (("BAM-DETR", search_ckpt, "search_checkpoint"),
                                  ("TriDet", detect_ckpt, "detect_checkpoint")):
            value = (value or "").strip() or None
            if value is not None:
                try:
                    value = str(resolve_under_root(state.root, value))
                except TempoError as exc:
                    msgs.append(f"{name}: {exc}")
                    continue
            setattr(state, attr, value)
            msgs.append(f"{name}: {'embedded default' if value is None else value}")
        return "\n\n".join(msgs)

    with gr.Blocks(title="tempo moment search") as app:
        gr.Markdown("# tempo: search your clips by text")
        with gr.Tab("Search"):
            with gr.Row():
                folder = gr.Dropdown(folders, value=folders[0], label="Folder (under the demo root)",
                                     elem_id="folder")
                index_btn = gr.Button("Index folder", elem_id="index-btn")
            index_status = gr.Markdown(elem_id="index-status")
            with gr.Row():
                query = gr.Textbox(label="Query", placeholder="the small red triangle spins clockwise",
                                   elem_id="query", scale=4)
                top_k = gr.Slider(1, 50, value=10, step=1, label="Top k", scale=1)
                search_btn = gr.Button("Search", variant="primary", elem_id="search-btn")
            search_status = gr.Markdown(elem_id="search-status")
            results = gr.Dataframe(headers=RESULT_HEADERS, interactive=False, elem_id="results")
            thumbs = gr.Gallery(label="Thumbnails", columns=8, height=140)
            player = gr.HTML(elem_id="player")
            timeline = gr.Plot(label="Score over time for the selected clip")
        with gr.Tab("Detect actions"):
            with gr.Row():
                det_folder = gr.Dropdown(folders, value=folders[0], label="Folder")
                det_clip = gr.Dropdown([], label="Clip", elem_id="det-clip")
                det_btn = gr.Button("Detect", elem_id="detect-btn")
            det_status = gr.Markdown()
            det_table = gr.Dataframe(headers=["label", "start", "end", "score"], interactive=False)
            det_plot = gr.Plot()
        with gr.Tab("Checkpoints"):
            gr.Markdown("Paths relative to the demo root; leave empty for the embedded defaults.")
            search_ckpt = gr.Textbox(label="BAM-DETR checkpoint")
            detect_ckpt = gr.Textbox(label="TriDet checkpoint")
            ckpt_btn = gr.Button("Use these checkpoints")
            ckpt_status = gr.Markdown()

        index_btn.click(do_index, folder, index_status)
        search_btn.click(do_search, [folder, query, top_k], [results, search_status, thumbs])
        query.submit(do_search, [folder, query, top_k], [results, search_status, thumbs])
        results.select(on_select, [results, query, folder], [player, timeline])
        det_folder.change(clips_in, det_folder, det_clip)
        app.load(clips_in, det_folder, det_clip)
        det_btn.click(do_detect, det_clip, [det_table, det_status, det_plot])
        ckpt_btn.click(set_checkpoints, [search_ckpt, detect_ckpt], ckpt_status)
    app.tempo_root = state.root
    return app


def launch(root, host: str = "127.0.0.1", port: int | None = None, auth: str | None = None,
           search_checkpoint=None, detect_checkpoint=None, prevent_thread_lock: bool = False):
    """Start the app; only files under ``root`` can be served. Returns (the Blocks, which ``.close()`` stops, local URL)."""
    import os

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    app = build_app(root, search_checkpoint, detect_checkpoint)
    auth_pair = tuple(auth.split(":", 1)) if auth else None
    _, url, _ = app.launch(server_name=host, server_port=port, auth=auth_pair, allowed_paths=[str(app.tempo_root)],
                           prevent_thread_lock=prevent_thread_lock, quiet=True, show_error=True)
    return app, url
