"""Video reading (decord with a PyAV fallback), writing (ffmpeg-python), probing."""
from .probe import VideoInfo, probe
from .reader import VideoReader
from .writer import VideoWriter, write_video

__all__ = ["VideoInfo", "VideoReader", "VideoWriter", "probe", "write_video"]
