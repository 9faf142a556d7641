"""TextClipNet: a clip network aligned with caption embeddings, trained on the synthetic grounding scenes with
negatives that force binding attributes to motion. Importing this package registers the model
(``TextClipNetTrainer``), the dataset (``TextClipWindowDataset``), its collate function and the metric
(``CaptionMatchAP``); the feature backbone and text encoder are in ``tempo.features.text_clipnet``."""
from .dataset import TextClipWindowDataset, text_clip_collate
from .metric import CaptionMatchAP
from .model import TextClipNetTrainer
from .network import TextClipNetwork, clips_to_input

__all__ = ["CaptionMatchAP", "TextClipNetTrainer", "TextClipNetwork", "TextClipWindowDataset", "clips_to_input",
           "text_clip_collate"]
