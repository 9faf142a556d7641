"""The trained clip network as tempo weights: ``x.safetensors`` (the ``ActionClipNetTrainer`` state dict) and
``x.json`` (its model config: ``type``, widths, clip length, window, input size, class names).

That is tempo's common checkpoint format (``tempo.models.common.tempo_checkpoint``), the very files
``tools/train.py`` writes as ``<work_dir>/final.safetensors`` + ``final.json``: a training run's output is
already loadable by the ``ActionClipNet`` feature backbone. To ship another mmengine checkpoint of a run
(say the best-validation one) instead:

    python -m tempo.models.action_clipnet configs/action_clipnet/synth.py \\
        work_dirs/synth/best_clipnet_active_mAP_epoch_2.pth tempo/weights/action_clipnet_synth.safetensors
"""
from __future__ import annotations

import argparse
from pathlib import Path

from tempo.models.common.tempo_checkpoint import load_tempo_checkpoint, read_sidecar, save_tempo_checkpoint

from .model import ActionClipNetTrainer
from .network import ActionClipNetwork

MODEL_TYPE = "ActionClipNetTrainer"


def model_config(model: ActionClipNetTrainer) -> dict:
    """The config that rebuilds ``model`` (what the JSON sidecar holds)."""
    return {"type": MODEL_TYPE, **model.network.hyper_parameters(), "class_names": list(model.class_names),
            "window_frames": model.window_frames, "stride": model.stride, "input_size": model.input_size}


def save_action_clipnet(model, path, class_names=None, **clip) -> Path:
    """Write a trainer, or a bare ``ActionClipNetwork`` (then give ``class_names`` and optionally
    ``window_frames`` / ``stride`` / ``input_size``), as safetensors + JSON."""
    if isinstance(model, ActionClipNetwork):
        network = model
        model = ActionClipNetTrainer(**network.hyper_parameters(), class_names=class_names, **clip)
        model.network.load_state_dict(network.state_dict())
    return save_tempo_checkpoint(model, path, model_config(model), fmt="tempo-action-clipnet")


def read_config(path) -> dict:
    """The JSON sidecar of ``path`` (no weights are read)."""
    return read_sidecar(path, MODEL_TYPE, ActionClipNetTrainer, "ActionClipNet")


def load_action_clipnet(path) -> ActionClipNetTrainer:
    """Rebuild the trainer from the sidecar and load the weights strictly (eval mode)."""
    return load_tempo_checkpoint(path, read_config(path), family="ActionClipNet")


def export_from_mmengine(config_file, checkpoint, out) -> Path:
    """An mmengine checkpoint (``.pth`` of a tools/train.py run) of ``config_file``'s model -> tempo weights."""
    from mmengine.config import Config

    from tempo.training import checkpoint_state

    cfg = Config.fromfile(str(config_file))
    model_cfg = cfg.model.to_dict()
    model_cfg.pop("type", None)
    model = ActionClipNetTrainer(**model_cfg)
    model.load_state_dict(checkpoint_state(checkpoint), strict=True)
    return save_action_clipnet(model, out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="mmengine checkpoint of an ActionClipNet run -> tempo weights")
    parser.add_argument("config", help="the training config (configs/action_clipnet/synth.py)")
    parser.add_argument("checkpoint", help="an mmengine .pth checkpoint of that run")
    parser.add_argument("out", help="output .safetensors (a .json is written beside it)")
    args = parser.parse_args(argv)
    print(export_from_mmengine(args.config, args.checkpoint, args.out))
    return 0
