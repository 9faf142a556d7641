"""ActionClipNet: a small learned (2+1)D clip backbone for the detection features, trained on per-window
action targets (active / start / end per class) with label-aware augmentation. Importing this package registers
the model (``ActionClipNetTrainer``), the dataset (``ActionClipWindowDataset``) and the metric
(``ActionClipWindowMAP``); the feature backbone is ``tempo.features.action_clipnet.ActionClipNet``."""
from .augment import ClipAugmentation, target_permutation
from .dataset import ActionClipWindowDataset
from .export import load_action_clipnet, read_config, save_action_clipnet
from .metric import ActionClipWindowMAP, window_map
from .model import ActionClipNetTrainer
from .network import ActionClipNetwork, clips_to_input
from .targets import entry_targets, num_windows, window_targets

__all__ = ["ActionClipNetTrainer", "ActionClipNetwork", "ActionClipWindowDataset", "ActionClipWindowMAP",
           "ClipAugmentation", "clips_to_input", "entry_targets", "load_action_clipnet", "num_windows",
           "read_config", "save_action_clipnet", "target_permutation", "window_map", "window_targets"]
