"""Onion-Peel Networks (Oh et al., ICCV 2019) video completion: OPN + TCN, the official demo schedules,
and a streaming completer with a bounded memory bank."""
from .build import build_completer
from .checkpoint import load_official, official_state_dict
from .completer import AllHoleFrameError, VideoCompleter
from .masks import open_masks
from .opn import OPN
from .tcn import TCN
from .video import complete_video

__all__ = ["OPN", "TCN", "AllHoleFrameError", "VideoCompleter", "build_completer", "complete_video",
           "load_official", "official_state_dict", "open_masks"]
