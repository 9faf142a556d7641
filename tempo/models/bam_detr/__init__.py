"""BAM-DETR moment retrieval (Lee et al., ECCV 2024; official code Pilhyeon/BAM-DETR, built on Moment-DETR and
QD-DETR): boundary-oriented dual-pathway decoder, official checkpoint loading, criterion, post-processing,
mmengine wrapper and long-video grounding."""
from .checkpoint import (build_from_official_opt, load_official, load_tempo_checkpoint, read_official_checkpoint,
                         save_tempo_checkpoint)
from .criterion import BAMCriterion, HungarianMatcher, build_weight_dict
from .grounder import BAMDETRGrounder
from .model import BAMDETR
from .postprocess import official_predictions, round_to_clips, soft_nms
from .predict import ground_moments

__all__ = ["BAMCriterion", "BAMDETR", "BAMDETRGrounder", "HungarianMatcher", "build_from_official_opt",
           "build_weight_dict", "ground_moments", "load_official", "load_tempo_checkpoint", "official_predictions",
           "read_official_checkpoint", "round_to_clips", "save_tempo_checkpoint", "soft_nms"]
