"""mmengine registries shared by every part of tempo.

Models, backbones, text encoders and pipeline stages register here so configs can name them
by ``type``; each family registers its own modules on import.
"""
from mmengine.registry import Registry

MODELS = Registry("tempo model", locations=["tempo.models"])
BACKBONES = Registry("tempo backbone", locations=["tempo.features"])
TEXT_ENCODERS = Registry("tempo text encoder", locations=["tempo.features"])
STAGES = Registry("tempo stage", locations=["tempo.pipeline", "tempo.features"])
DATASETS = Registry("tempo dataset", locations=["tempo.data"])
