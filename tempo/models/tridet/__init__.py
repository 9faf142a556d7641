"""TriDet temporal action detection (Shi et al., CVPR 2023; official code dingfengshi/TriDet, built on
ActionFormer): SGP backbone, Trident head, soft-NMS, official checkpoint loading."""
from .build import build_from_official_config, build_from_tempo_config
from .checkpoint import load_official, load_tempo_checkpoint, official_state_dict, save_tempo_checkpoint
from .detector import TriDet
from .nms import batched_nms, soft_nms
from .predict import detect_segments

__all__ = ["TriDet", "batched_nms", "build_from_official_config", "build_from_tempo_config", "detect_segments",
           "load_official", "load_tempo_checkpoint", "official_state_dict", "save_tempo_checkpoint", "soft_nms"]
