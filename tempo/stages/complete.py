"""Onion-peel completion as a stage: ``completed`` is the input with the holes filled, a video file cached
beside its entry; the key covers the mask file's content, the boxes, the settings and the weights' content.
``UseVideo`` then makes it the video later stages read (detect actions on the completed video)."""
from __future__ import annotations

from pathlib import Path

from ..pipeline import Stage
from ..pipeline.files import FileOutput
from ..registry import STAGES
from .weights import files_id, shared

_networks: dict = {}


def _boxes(boxes) -> list[str]:
    """Box specs as ``tempo complete --box`` takes them; ``--cfg-options boxes=10,10,16,16`` parses to numbers."""
    if isinstance(boxes, str):
        return [boxes]
    boxes = list(boxes or ())
    if len(boxes) == 4 and all(isinstance(b, (int, float)) for b in boxes):
        return [",".join(str(b) for b in boxes)]
    return [str(b) for b in boxes]


@STAGES.register_module()
class OnionPeelComplete(Stage):
    """``tempo complete``'s settings: ``mask`` (image, folder of images or video) and/or ``boxes``
    ("x,y,w,h[@t0-t1]"), ``dilate``; weights ``checkpoint`` (tempo) or ``opn``/``tcn`` (official); ``size``
    (h, w) or None for the video's own."""

    version = "1"

    def __init__(self, mask=None, boxes=(), dilate=0, checkpoint=None, opn=None, tcn=None, size=None, mem_every=5,
                 memory_frames=8, device="cpu", codec="h264", crf=18):
        boxes = _boxes(boxes)
        if mask is None and not boxes:
            from ..errors import UsageError

            raise UsageError("say where the holes are: a mask and/or boxes")
        super().__init__(mask=None if mask is None else str(mask), boxes=boxes, dilate=dilate,
                         checkpoint=checkpoint, opn=opn, tcn=tcn, size=list(size) if size else None,
                         mem_every=mem_every, memory_frames=memory_frames, device=device, codec=codec, crf=crf)

    def weights_id(self) -> str:
        from ..models.onion_peel.tempo_weights import DEFAULT_WEIGHTS

        p = self.params
        mask = Path(p["mask"]) if p["mask"] else None
        mask_id = files_id(*sorted(mask.iterdir())) if mask is not None and mask.is_dir() else files_id(mask)
        return files_id(p["opn"] or p["checkpoint"] or DEFAULT_WEIGHTS, p["tcn"]) + mask_id

    def cache_key(self, input_fingerprint: str) -> str:  # the device does not change the result
        from ..pipeline import stable_hash

        return stable_hash({"input": input_fingerprint, "stage": self.stage_name(), "version": self.version,
                            "params": {**self.params, "device": None}, "weights": self.weights_id()})

    def run(self, context: dict) -> dict:
        from ..io import VideoReader
        from ..models.onion_peel.completer import VideoCompleter
        from ..models.onion_peel.masks import open_masks
        from ..models.onion_peel.tempo_weights import load_networks
        from ..models.onion_peel.video import complete_video

        p = self.params
        src = Path(context["video"])
        reader = VideoReader(src)
        masks = open_masks(p["mask"], p["boxes"], reader.out_height, reader.out_width, len(reader), reader.fps,
                           p["dilate"])
        opn, tcn, _ = shared(_networks, (str(p["opn"] or p["checkpoint"]), str(p["tcn"]), p["device"], self.weights_id()),
                             lambda: load_networks(p["opn"] or p["checkpoint"], p["tcn"], p["device"]))
        completer = VideoCompleter(opn, tcn, size=tuple(p["size"]) if p["size"] else None, mem_every=p["mem_every"],
                                   memory_frames=p["memory_frames"] or None, device=p["device"])
        dst = Path(context["scratch"]) / ("completed.mp4" if p["codec"] != "ffv1" else "completed.mkv")
        summary = complete_video(src, masks, dst, completer, codec=p["codec"], crf=p["crf"])
        return {"completed": FileOutput(dst),
                "complete_summary": {k: summary.get(k) for k in ("frames", "frames_with_holes", "copied_through")}}


@STAGES.register_module()
class UseVideo(Stage):
    """Later stages read the video file output ``source`` (e.g. ``completed``) instead of the input;
    ``source_video`` keeps the input's path. The cache chain goes on from the producing stage's key, so what
    follows is keyed by that video's content."""

    cacheable = False

    def __init__(self, source: str = "completed"):
        super().__init__(source=source)

    def run(self, context: dict) -> dict:
        return {"source_video": str(context.get("source_video") or context["video"]),
                "video": Path(context[self.params["source"]])}
