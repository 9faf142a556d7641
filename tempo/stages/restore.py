"""SeedVR restoration as stages: a whole video, or only the moments an earlier stage found. Outputs are video
files cached beside their entry (``tempo.pipeline.files``), keyed by the input's content, the params and the
weights' content. ``tempo restore`` runs ``pipelines/restore.py`` (``SeedVRRestore`` + ``ExportVideo``)."""
from __future__ import annotations

from pathlib import Path

from ..pipeline import Stage
from ..pipeline.files import FileOutput
from ..registry import STAGES
from .weights import files_id

SUMMARY = ("frames", "width", "height", "fps", "steps", "seconds", "frames_per_second")


def video_suffix(codec: str, container: str | None) -> str:
    """The file type a stage writes: ``container`` (".webm", ...; the command's -o) or the codec's usual one."""
    if container:
        return (container if container.startswith(".") else f".{container}").lower()
    return ".mp4" if codec in ("h264", "mjpeg", "vp9") else ".mkv"


class _SeedVR(Stage):
    def __init__(self, checkpoint=None, config=None, steps=None, seed=None, tile=512, tile_overlap=32, chunk=21,
                 overlap=4, codec="h264", crf=18, container=None, device=None, dtype=None, **more):
        super().__init__(checkpoint=None if checkpoint is None else str(checkpoint),
                         config=None if config is None else str(config), steps=steps, seed=seed, tile=tile,
                         tile_overlap=tile_overlap, chunk=chunk, overlap=overlap, codec=codec, crf=crf,
                         container=video_suffix(codec, container),  # None and ".mp4" are one file type
                         device=device, dtype=dtype, **more)
        self._restorer = None

    def runtime(self) -> tuple[str, str]:
        """(device, dtype) resolved: None means CUDA when available, and there bfloat16 (the official's)."""
        from ..models.seedvr.precision import resolve_dtype
        from .complete import resolve_device

        device = resolve_device(self.params["device"])
        return device, resolve_dtype(self.params["dtype"], device)

    def cache_key(self, input_fingerprint: str) -> str:
        """The device does not change the result (beyond float noise); the precision does, and enters the key
        unless float32, so the float32 results cached before --dtype existed are still found."""
        from ..pipeline import stable_hash

        params = {k: v for k, v in self.params.items() if k not in ("device", "dtype")}
        dtype = self.runtime()[1]
        if dtype != "float32":
            params["dtype"] = dtype
        return stable_hash({"input": input_fingerprint, "stage": self.stage_name(), "version": self.version,
                            "params": params, "weights": self.weights_id()})

    def weights_id(self) -> str:
        from ..models.seedvr.official import is_official, official_files
        from ..tasks.restore import DEFAULT_WEIGHTS

        checkpoint = self.params["checkpoint"] or DEFAULT_WEIGHTS
        if is_official(checkpoint):  # a folder, or the DiT .pth: the four official files' content
            try:
                return files_id(*official_files(checkpoint).values(), self.params["config"])
            except Exception:  # incomplete: loading says what is missing, in one line
                pass
        return files_id(checkpoint, self.params["config"])

    @property
    def restorer(self):
        """Loaded on first use (a cache hit loads nothing), once per pipeline: a folder run loads it once."""
        if self._restorer is None:
            from ..tasks.restore import load_restorer

            p = self.params
            self._restorer = load_restorer(p["checkpoint"], p["config"], p["steps"], p["seed"], *self.runtime())[0]
        return self._restorer

    def restore(self, src, dst, on_frame=None) -> dict:
        from ..tasks.restore import restore_video

        p = self.params
        return restore_video(src, dst, self.restorer, chunk=p["chunk"], overlap=p["overlap"], tile=p["tile"] or None,
                             tile_overlap=p["tile_overlap"], codec=p["codec"], crf=p["crf"], on_frame=on_frame)

    def suffix(self) -> str:
        return self.params["container"]


@STAGES.register_module()
class SeedVRRestore(_SeedVR):
    """``restored``: the whole input video restored (``tempo restore``'s settings); ``restore_summary``: frames,
    size, fps, steps and the restoring speed. ``context["on_frame"]`` (optional) is called per written frame."""

    version = "2"

    def run(self, context: dict) -> dict:
        dst = Path(context["scratch"]) / f"restored{self.suffix()}"
        summary = self.restore(context["video"], dst, on_frame=context.get("on_frame"))
        return {"restored": FileOutput(dst), "restore_summary": {k: summary[k] for k in SUMMARY}}


@STAGES.register_module()
class RestoreMoments(_SeedVR):
    """Restore only the segments of ``source`` (``moments`` or ``detections``) scoring >= ``min_score`` (the
    ``max_moments`` best): each is cut out (``tempo.io.cut``) and restored into its own file ``moment_<i>``.
    ``restored_moments`` lists them (output name, start, end, score, query/label)."""

    version = "1"

    def __init__(self, source="moments", min_score=0.0, max_moments=5, **seedvr):
        super().__init__(source=source, min_score=min_score, max_moments=max_moments, **seedvr)

    def run(self, context: dict) -> dict:
        from ..io import probe
        from ..io.cut import cut_clip
        from .clips import pick_segments

        video, scratch = Path(context["video"]), Path(context["scratch"])
        fps = probe(video).fps
        outputs, listed = {}, []
        for i, m in enumerate(pick_segments(context[self.params["source"]], self.params["min_score"],
                                            self.params["max_moments"])):
            cut = scratch / f"cut_{i}{video.suffix if video.suffix == '.mp4' else '.mp4'}"
            cut_clip(video, cut, m["start"], m["end"], fps=fps)
            name = f"moment_{i}"
            self.restore(cut, scratch / f"{name}{self.suffix()}")
            outputs[name] = FileOutput(scratch / f"{name}{self.suffix()}")
            listed.append({"output": name, "start": m["start"], "end": m["end"], "score": m["score"],
                           "label": m.get("query") or m.get("label")})
        return {**outputs, "restored_moments": listed}
