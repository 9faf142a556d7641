"""Gradio moment-search app: index a folder of clips, search it by text, play the moment.

The app owns no model logic: ``service.DemoService`` calls ``tempo.tasks.ground.MomentSearch`` (the
same object ``tempo ground`` uses) and ``tempo.tasks.detect.ActionDetector`` (``tempo detect``).
Everything the browser names is a path relative to ``root`` and is checked by ``safe_paths``; the
server serves only the videos the app has listed and the images it made (not the rest of ``root``).
"""
# No `from __future__ import annotations`: Gradio reads the handlers' real annotations to inject
# gr.SelectData into the row-click handler.
import logging

from .safe_paths import list_folders
from .service import MAX_QUERY_CHARS, MAX_TOP_K, DemoService, no_choice

log = logging.getLogger(__name__)
RESULT_HEADERS = ["rank", "clip", "start", "end", "score"]
MAX_UPLOAD = "1mb"  # the app takes no uploads, but Gradio's upload route is always open
DEFAULT_CHOICE = "(command-line default)"


def build_app(root, search_checkpoint=None, detect_checkpoint=None, checkpoint_dir=None, search_head="bam_detr",
              clip_dir=None):
    import gradio as gr

    service = DemoService(root, search_checkpoint, detect_checkpoint, checkpoint_dir, search_head, clip_dir)
    folders = list_folders(service.root)

    def do_index(folder_rel, choice, progress=gr.Progress()):
        return service.index(folder_rel, choice, lambda done, total, name: progress((done, total),
                                                                                   desc=f"indexing {name}"))

    def do_search(folder_rel, query, top_k, choice):
        return service.search(folder_rel, query, top_k, choice)

    def on_select(rows, query, choice, evt: gr.SelectData):
        row = rows.values.tolist()[evt.index[0]] if hasattr(rows, "values") else rows[evt.index[0]]
        return service.select(str(row[1]), float(row[2]), query, choice)

    def do_detect(clip_rel, choice):
        return service.detect(clip_rel, choice)

    def clips_in(folder_rel):
        try:
            clips = service.clip_names(folder_rel)
        except Exception as exc:  # noqa: BLE001
            log.warning("cannot list %s: %s", folder_rel, service.error(exc))
            clips = []
        return gr.update(choices=clips, value=clips[0] if clips else None)

    def pick(kind):
        def handler(name, choice):
            try:
                choice = service.choose(choice, kind, None if name == DEFAULT_CHOICE else name)
            except Exception as exc:  # noqa: BLE001
                return choice, service.error(exc)
            return choice, service.describe(choice)
        handler.__name__ = f"pick_{kind}_checkpoint"
        return handler

    with gr.Blocks(title="tempo moment search") as app:
        choice = gr.State(no_choice())  # this visitor's checkpoints (Gradio keeps one per session)
        gr.Markdown("# tempo: search your clips by text")
        with gr.Tab("Search"):
            with gr.Row():
                folder = gr.Dropdown(folders, value=folders[0], label="Folder (under the demo root)",
                                     elem_id="folder")
                index_btn = gr.Button("Index folder", elem_id="index-btn")
            index_status = gr.Markdown(elem_id="index-status")
            with gr.Row():
                query = gr.Textbox(label="Query", placeholder="the small red triangle spins clockwise",
                                   elem_id="query", scale=4, max_length=MAX_QUERY_CHARS)
                top_k = gr.Slider(1, MAX_TOP_K, value=10, step=1, label="Top k", scale=1)
                search_btn = gr.Button("Search", variant="primary", elem_id="search-btn")
            search_status = gr.Markdown(elem_id="search-status")
            results = gr.Dataframe(headers=RESULT_HEADERS, interactive=False, elem_id="results")
            thumbs = gr.Gallery(label="Thumbnails", columns=8, height=140, elem_id="thumbs")
            player = gr.HTML(elem_id="player")
            timeline = gr.Image(label="Score over time for the selected clip", type="filepath",
                                interactive=False, elem_id="search-timeline")
        with gr.Tab("Detect actions", elem_id="detect-tab"):
            with gr.Row():
                det_folder = gr.Dropdown(folders, value=folders[0], label="Folder", elem_id="det-folder")
                det_clip = gr.Dropdown([], label="Clip", elem_id="det-clip",
                                      allow_custom_value=True)  # choices vary by folder; service.detect checks
                det_btn = gr.Button("Detect", elem_id="detect-btn")
            det_status = gr.Markdown(elem_id="detect-status")
            det_table = gr.Dataframe(headers=["label", "start", "end", "score"], interactive=False,
                                     elem_id="detections")
            det_plot = gr.Image(label="Detections over time", type="filepath", interactive=False,
                                elem_id="detect-timeline")
        with gr.Tab("Checkpoints"):
            offered = service.checkpoint_choices()
            ckpt_status = gr.Markdown(service.describe(no_choice()), elem_id="checkpoint-status")
            if offered:
                gr.Markdown("Your choice applies to your session only. The files are those the server "
                            "offers (its `--checkpoint-dir`).")
                search_ckpt = gr.Dropdown([DEFAULT_CHOICE, *offered], value=DEFAULT_CHOICE,
                                          label="BAM-DETR checkpoint (search)", elem_id="search-ckpt")
                detect_ckpt = gr.Dropdown([DEFAULT_CHOICE, *offered], value=DEFAULT_CHOICE,
                                          label="TriDet checkpoint (detect)", elem_id="detect-ckpt")
                search_ckpt.input(pick("search"), [search_ckpt, choice], [choice, ckpt_status],
                                  api_name="pick_search_checkpoint")
                detect_ckpt.input(pick("detect"), [detect_ckpt, choice], [choice, ckpt_status],
                                  api_name="pick_detect_checkpoint")
            else:
                gr.Markdown("Checkpoints are set when the server starts (`--search-checkpoint`, "
                            "`--detect-checkpoint`; `--checkpoint-dir DIR` lets each visitor pick among "
                            "the files in DIR).")

        index_btn.click(do_index, [folder, choice], index_status, api_name="do_index")
        search_btn.click(do_search, [folder, query, top_k, choice], [results, search_status, thumbs],
                         api_name="do_search")
        query.submit(do_search, [folder, query, top_k, choice], [results, search_status, thumbs],
                     api_name=False)
        results.select(on_select, [results, query, choice], [player, timeline], api_name=False)
        det_folder.change(clips_in, det_folder, det_clip, api_name="clips_in")
        app.load(clips_in, det_folder, det_clip, api_name=False)
        det_btn.click(do_detect, [det_clip, choice], [det_table, det_status, det_plot], api_name="do_detect")
    app.tempo = service
    return app


def launch(root, host: str = "127.0.0.1", port: int | None = None, auth: str | None = None,
           search_checkpoint=None, detect_checkpoint=None, prevent_thread_lock: bool = False,
           checkpoint_dir=None, search_head: str = "bam_detr", clip_dir=None):
    """Start the app. Returns (the Blocks, which ``.close()`` stops, local URL)."""
    import os

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    app = build_app(root, search_checkpoint, detect_checkpoint, checkpoint_dir, search_head, clip_dir)
    auth_pair = tuple(auth.split(":", 1)) if auth else None
    _, url, _ = app.launch(server_name=host, server_port=port, auth=auth_pair, max_file_size=MAX_UPLOAD,
                           prevent_thread_lock=True, quiet=True, show_error=True)
    # Gradio reads `allowed_paths` on every file request: hand it the service's list of exact files
    # (it grows as folders are listed). Never a folder: that would serve `.env` and all beside it.
    app.allowed_paths = app.tempo.allowed
    if not prevent_thread_lock:
        app.block_thread()
    return app, url
