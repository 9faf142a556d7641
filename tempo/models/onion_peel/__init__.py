"""Onion-Peel Networks (Oh et al., ICCV 2019) video completion: OPN + TCN, the official demo schedules,
and a streaming completer with a bounded memory bank."""
from .checkpoint import load_official, official_state_dict
from .opn import OPN
from .tcn import TCN

__all__ = ["OPN", "TCN", "load_official", "official_state_dict"]
