"""Onion-peel completion as a stage: ``completed`` is the input with the holes filled, a video file cached
beside its entry; the key covers the mask file's content, the boxes, the settings and the weights' content.
``tempo complete`` runs ``pipelines/complete.py`` (this stage + ``ExportVideo``). ``UseVideo`` then makes the
completed video the one later stages read (detect actions on the completed video)."""
from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..pipeline import Stage
from ..pipeline.files import FileOutput
from ..registry import STAGES
from .restore import video_suffix
from .weights import files_id


def _boxes(boxes) -> list[str]:
    """Box specs as ``tempo complete --box`` takes them; ``--cfg-options boxes=10,10,16,16`` parses to numbers."""
    if isinstance(boxes, str):
        return [boxes]
    boxes = list(boxes or ())
    if len(boxes) == 4 and all(isinstance(b, (int, float)) for b in boxes):
        return [",".join(str(b) for b in boxes)]
    return [str(b) for b in boxes]


def resolve_device(name) -> str:
    """None/"auto": CUDA when available; a CUDA device without CUDA is a usage error."""
    import torch

    if name in (None, "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if str(name).startswith("cuda") and not torch.cuda.is_available():
        raise UsageError(f"--device {name}: no CUDA device is available")
    return str(name)


@STAGES.register_module()
class OnionPeelComplete(Stage):
    """``tempo complete``'s settings: ``mask`` (image, folder of images or video) and/or ``boxes``
    ("x,y,w,h[@t0-t1]"), ``dilate``; weights ``checkpoint`` (tempo) or ``opn``/``tcn`` (official); ``size``
    (h, w) or None for the video's own; ``propagation`` (flow-guided, before the network; never with the official
    ``opn``), ``refine`` ("opn" or "telea": what fills what no frame shows), ``radius`` (frames propagation reads);
    ``container`` the file type of ``completed`` (None: the codec's usual one). ``complete_summary``: frames,
    holes, speed, and with propagation the propagated/residual pixel counts. ``context["on_frame"]`` (optional)
    is called per written frame."""

    version = "2"

    def __init__(self, mask=None, boxes=(), dilate=0, checkpoint=None, opn=None, tcn=None, size=None, mem_every=5,
                 memory_frames=8, propagation=True, refine="opn", radius=15, device=None, codec="h264", crf=18,
                 container=None):
        boxes = _boxes(boxes)
        if mask is None and not boxes:
            raise UsageError("say where the holes are: a mask and/or boxes")
        if mem_every < 1 or memory_frames < 0:
            raise UsageError("mem_every must be >= 1 and memory_frames >= 0")
        if radius < 1:
            raise UsageError("radius must be >= 1")
        if refine not in ("opn", "telea"):
            raise UsageError(f"refine {refine!r}: choose opn or telea")
        path = lambda p: None if p is None else str(p)  # noqa: E731  (params are JSON: the cache key)
        super().__init__(mask=path(mask), boxes=boxes, dilate=dilate, checkpoint=path(checkpoint), opn=path(opn),
                         tcn=path(tcn), size=list(size) if size else None, mem_every=mem_every,
                         memory_frames=memory_frames, propagation=bool(propagation) and opn is None, refine=refine,
                         radius=radius, device=device, codec=codec, crf=crf,
                         container=video_suffix(codec, container))  # None and ".mp4" are one file type
        self._networks = None

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

    @property
    def networks(self):
        """(OPN, TCN or None, weights name), loaded on first use (a cache hit loads nothing), once per pipeline."""
        if self._networks is None:
            from ..models.onion_peel.tempo_weights import load_networks

            p = self.params
            self._networks = load_networks(p["opn"] or p["checkpoint"], p["tcn"], resolve_device(p["device"]))
        return self._networks

    def completer(self):
        """The network alone, or propagation first with the network (or Telea) on what no frame shows."""
        from ..models.onion_peel.completer import VideoCompleter

        p = self.params
        opn, tcn, _ = self.networks
        network = VideoCompleter(opn, tcn, size=tuple(p["size"]) if p["size"] else None, mem_every=p["mem_every"],
                                 memory_frames=p["memory_frames"] or None, device=resolve_device(p["device"]))
        if not p["propagation"]:
            return network
        from ..models.onion_peel.prop_completer import PropagationCompleter
        from ..models.onion_peel.propagation import FlowPropagator

        return PropagationCompleter(FlowPropagator(radius=p["radius"]), network if p["refine"] == "opn" else None)

    def run(self, context: dict) -> dict:
        from ..io import VideoReader
        from ..models.onion_peel.masks import open_masks
        from ..models.onion_peel.video import complete_video

        p = self.params
        src = Path(context["video"])
        reader = VideoReader(src)
        masks = open_masks(p["mask"], p["boxes"], reader.out_height, reader.out_width, len(reader), reader.fps,
                           p["dilate"])  # a bad mask fails here, before any network is loaded
        completer = self.completer()
        dst = Path(context["scratch"]) / f"completed{p['container']}"
        summary = complete_video(src, masks, dst, completer, codec=p["codec"], crf=p["crf"],
                                 on_frame=context.get("on_frame"))
        summary.pop("input"), summary.pop("output")  # scratch paths; the caller knows the real ones
        summary["temporal_smoothing"] = self.networks[1] is not None
        summary["weights"] = self.networks[2]
        summary["pipeline"] = completer.name if p["propagation"] else "onion-peel network"
        if p["propagation"] and completer.stats:
            summary["propagated_pixels"] = completer.stats["propagated"]
            summary["residual_pixels"] = completer.stats["residual"]
        return {"completed": FileOutput(dst), "complete_summary": summary}


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
