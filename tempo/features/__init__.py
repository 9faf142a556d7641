"""Features: frame/clip backbones, text encoders, and the cached extraction stage.

Importing this package registers everything in ``tempo.registry`` (BACKBONES, TEXT_ENCODERS, STAGES).
mmaction2 itself is only imported when an mmaction backbone is built.
"""
# importing registers the backbones and encoders
from . import (  # noqa: F401
    action_clipnet, clip, efficientnet, i3d, mmaction_adapter, motion, object_slots, slowfast_clip, stack, text,
    text_clipnet, two_stream,
)
from .base import Backbone, ClipBackbone, FrameBackbone
from .extract import FeatureConfig, extract_video
from .output import write_features
from .stage import ExtractFeatures, build_backbone, extract_features, feature_pipeline

__all__ = ["Backbone", "ClipBackbone", "ExtractFeatures", "FeatureConfig", "FrameBackbone", "build_backbone",
           "extract_features", "extract_video", "feature_pipeline", "write_features"]
