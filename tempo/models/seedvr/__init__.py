"""SeedVR / SeedVR2 video restoration (Wang et al., CVPR 2025; official code ByteDance-Seed/SeedVR):
windowed NaDiT (3B dit_v2 and 7B dit), causal video VAE, rectified-flow Euler sampler, and a
bounded-memory restorer (temporal chunks + spatial tiles)."""
from .nadit import NaDiT
from .pixel_refiner import PixelRefiner
from .restore import SeedVRRestorer
from .sampler import LerpSchedule, euler_sample, uniform_trailing_timesteps
from .space_to_depth import SpaceToDepthLatent
from .vae import CausalVideoVAE
from .windows import partition, partition_for_method

__all__ = ["CausalVideoVAE", "LerpSchedule", "NaDiT", "PixelRefiner", "SeedVRRestorer", "euler_sample", "partition",
           "partition_for_method", "uniform_trailing_timesteps"]
