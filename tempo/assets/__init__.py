"""Files shipped inside the package (a sample clip for the first-run command)."""
from pathlib import Path

ASSETS = Path(__file__).parent
SAMPLE_VIDEO = ASSETS / "sample.mp4"
