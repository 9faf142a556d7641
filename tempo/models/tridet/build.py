"""Build a TriDet from an official (merged) config dict or from a tempo mmengine config."""
import copy

from .detector import TriDet


def build_from_official_config(config: dict) -> TriDet:
    """``config`` is the official merged config (``config['model']`` holds every model argument, with
    ``train_cfg`` / ``test_cfg`` and the dataset-derived fields already copied in, as official train/eval do)."""
    model_cfg = copy.deepcopy(config["model"])
    for key in ("input_dim", "num_classes", "max_seq_len"):
        model_cfg.setdefault(key, config["dataset"][key])
    model_cfg.setdefault("train_cfg", config.get("train_cfg"))
    model_cfg.setdefault("test_cfg", config.get("test_cfg"))
    return TriDet(**model_cfg)


def build_from_tempo_config(cfg) -> TriDet:
    """``cfg.model`` of a tempo config (``type='TriDet'``)."""
    from tempo.registry import MODELS

    return MODELS.build(copy.deepcopy(dict(cfg["model"])))
