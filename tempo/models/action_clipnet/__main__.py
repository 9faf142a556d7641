"""``python -m tempo.models.action_clipnet CONFIG CHECKPOINT.pth OUT.safetensors``: export a run's checkpoint."""
import sys

from .export import main

sys.exit(main())
