"""Images the demo makes (thumbnails, timelines), each written once under a new name.

Gradio copies what a handler returns into its cache and serves it from there. A frame handed over
as an array is saved by Gradio under its content hash, rewriting the file in place when two
searches make the same thumbnail, while a third client may be downloading it ("Too little data for
declared Content-Length"). Here every image goes to a fresh file (temp name + rename, so no reader
sees half a file) that is never written again; Gradio's copy of a file is atomic too.
"""
from __future__ import annotations

import collections
import tempfile
import threading
import uuid
from pathlib import Path

from ..io.atomic import atomic_open


class ScratchImages:
    def __init__(self, keep: int = 1024):
        # in the system temp folder: Gradio moves files from there into its cache without extra allow-listing
        self._dir = tempfile.TemporaryDirectory(prefix="tempo-demo-")
        self.folder = Path(self._dir.name)
        self._made: collections.deque[Path] = collections.deque()
        self._keep = keep  # old files go (Gradio has its own copy by then); bounds the disk used
        self._lock = threading.Lock()

    def new_path(self, suffix: str) -> Path:
        """A name never used before in the scratch folder (for a writer that is atomic itself)."""
        path = self.folder / f"{uuid.uuid4().hex}{suffix}"
        with self._lock:
            self._made.append(path)
            while len(self._made) > self._keep:
                self._made.popleft().unlink(missing_ok=True)
        return path

    def write(self, write_to, suffix: str) -> str:
        """Call ``write_to(file)`` and publish the result under a new unique name (``atomic_open``: a temp
        file renamed into place, removed on failure)."""
        final = self.new_path(suffix)
        with atomic_open(final) as f:
            write_to(f)
        return str(final)

    def frame(self, rgb) -> str:
        """A JPEG of an RGB uint8 frame."""
        from PIL import Image

        return self.write(lambda f: Image.fromarray(rgb).save(f, format="JPEG", quality=85), ".jpg")

    def figure(self, fig) -> str:
        """A PNG of a matplotlib figure, which is closed afterwards (pyplot keeps open figures forever)."""
        try:
            return self.write(lambda f: fig.savefig(f, format="png"), ".png")
        finally:
            import matplotlib.pyplot as plt

            plt.close(fig)

    def cleanup(self) -> None:
        self._dir.cleanup()
