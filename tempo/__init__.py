"""tempo: video temporal localization, grounding, restoration and completion."""

__version__ = "0.1.0"
