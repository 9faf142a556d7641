"""SeedVR restoration as stages: a whole video, or only the moments an earlier stage found. Outputs are video
files cached beside their entry (``tempo.pipeline.files``), keyed by the input's content, the params and the
weights' content."""
from __future__ import annotations

from pathlib import Path

from ..pipeline import Stage
from ..pipeline.files import FileOutput
from ..registry import STAGES
from .weights import files_id, shared

_restorers: dict = {}


class _SeedVR(Stage):
    def __init__(self, checkpoint=None, config=None, steps=None, seed=None, tile=512, tile_overlap=32, chunk=21,
                 overlap=4, codec="h264", crf=18, **more):
        super().__init__(checkpoint=checkpoint, config=config, steps=steps, seed=seed, tile=tile,
                         tile_overlap=tile_overlap, chunk=chunk, overlap=overlap, codec=codec, crf=crf, **more)

    def weights_id(self) -> str:
        from ..tasks.restore import DEFAULT_WEIGHTS

        return files_id(self.params["checkpoint"] or DEFAULT_WEIGHTS, self.params["config"])

    @property
    def restorer(self):
        from ..tasks.restore import load_restorer

        p = self.params
        key = (str(p["checkpoint"]), str(p["config"]), p["steps"], p["seed"], self.weights_id())
        return shared(_restorers, key, lambda: load_restorer(p["checkpoint"], p["config"], p["steps"], p["seed"])[0])

    def restore(self, src, dst) -> dict:
        from ..tasks.restore import restore_video

        p = self.params
        return restore_video(src, dst, self.restorer, chunk=p["chunk"], overlap=p["overlap"], tile=p["tile"] or None,
                             tile_overlap=p["tile_overlap"], codec=p["codec"], crf=p["crf"])

    def suffix(self) -> str:
        return ".mp4" if self.params["codec"] in ("h264", "mjpeg", "vp9") else ".mkv"


@STAGES.register_module()
class SeedVRRestore(_SeedVR):
    """``restored``: the whole input video restored (``tempo restore``'s settings)."""

    version = "1"

    def run(self, context: dict) -> dict:
        dst = Path(context["scratch"]) / f"restored{self.suffix()}"
        summary = self.restore(context["video"], dst)
        return {"restored": FileOutput(dst), "restore_summary": {k: summary[k] for k in ("frames", "width", "height",
                                                                                          "fps", "steps")}}


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
