"""The Scalable-Granularity Perception (SGP) block of TriDet's backbone."""
import torch
from torch import nn

from .gemm_conv import conv1d
from .layers import AffineDropPath, ChannelLayerNorm, downsample_mask, masked


def channel_affine(conv: nn.Conv1d, x: torch.Tensor) -> torch.Tensor:
    """A depthwise conv; one of kernel 1 is ``bias + weight * x`` per channel, computed as that: torch's CPU conv
    runs a kernel-1 depthwise conv as one small GEMM per channel (512 calls, ~3 ms whatever the length)."""
    if conv.kernel_size[0] != 1 or conv.groups != conv.in_channels or conv.in_channels != conv.out_channels:
        return conv(x)
    weight = conv.weight.view(1, -1, 1)
    return x * weight if conv.bias is None else torch.addcmul(conv.bias.view(1, -1, 1), x, weight)


def long_kernel_size(window: int, k: float) -> int:
    """Kernel of the wide window branch: Python round((w+1)*k), bumped to the next odd size."""
    size = round((window + 1) * k)
    return size + 1 if size % 2 == 0 else size


class SGPBlock(nn.Module):
    """out = x*mask + γ1·[fc(y)·relu(global_fc(mean_t y)) + (convw(y)+convkw(y))·psi(y) + y],  y = LN(pool(x));
    out = out + γ2·MLP(GroupNorm16(out)).

    Means and GroupNorm statistics run over the whole padded length (as official): padding changes valid outputs.
    """

    def __init__(self, dim: int, window: int = 1, stride: int = 1, k: float = 1.5, mlp_dim: int = None,
                 drop_path: float = 0.0, downsample_type: str = "max"):
        super().__init__()
        if window % 2 != 1:
            raise ValueError("SGP window size must be odd")
        mlp_dim = mlp_dim or 4 * dim
        long_kernel = long_kernel_size(window, k)
        self.stride = stride
        if stride == 1:
            self.downsample = nn.Identity()
        elif downsample_type == "max":
            self.downsample = nn.MaxPool1d(stride + 1, stride=stride, padding=(stride + 1) // 2)
        elif downsample_type == "avg":
            self.downsample = nn.Sequential(nn.AvgPool1d(stride, stride=stride), nn.Conv1d(dim, dim, 1))
        else:
            raise ValueError(f"unknown downsample_type {downsample_type!r}")

        self.ln = ChannelLayerNorm(dim)
        self.gn = nn.GroupNorm(16, dim)
        # Depthwise convs; the official code zero-initialises them (init_conv_vars = 0) and zeroes all biases.
        self.psi = nn.Conv1d(dim, dim, window, padding=window // 2, groups=dim)
        self.fc = nn.Conv1d(dim, dim, 1, groups=dim)
        self.convw = nn.Conv1d(dim, dim, window, padding=window // 2, groups=dim)
        self.convkw = nn.Conv1d(dim, dim, long_kernel, padding=long_kernel // 2, groups=dim)
        self.global_fc = nn.Conv1d(dim, dim, 1, groups=dim)
        self.mlp = nn.Sequential(nn.Conv1d(dim, mlp_dim, 1), nn.GELU(), nn.Conv1d(mlp_dim, dim, 1))
        if drop_path > 0.0:
            self.drop_path_out = AffineDropPath(dim, drop_path)
            self.drop_path_mlp = AffineDropPath(dim, drop_path)
        else:
            self.drop_path_out = nn.Identity()
            self.drop_path_mlp = nn.Identity()

    def reset_sgp_params(self, std: float = 0.0):
        for conv in (self.psi, self.fc, self.convw, self.convkw, self.global_fc):
            nn.init.normal_(conv.weight, 0.0, std) if std > 0 else nn.init.zeros_(conv.weight)
            nn.init.zeros_(conv.bias)

    def mlp_of(self, x: torch.Tensor) -> torch.Tensor:
        """``self.mlp(x)``, its two 1x1 convs through :func:`gemm_conv.conv1d` (one GEMM each under a CPU
        bfloat16 autocast)."""
        first, act, second = self.mlp
        return conv1d(second, act(conv1d(first, x)))

    def forward(self, x: torch.Tensor, mask: torch.Tensor):
        length = x.shape[-1] // self.stride
        x = self.downsample(x)
        out_mask = downsample_mask(mask, length)
        y = self.ln(x)
        phi = torch.relu(channel_affine(self.global_fc, y.mean(dim=-1, keepdim=True)))
        out = (channel_affine(self.fc, y) * phi + (channel_affine(self.convw, y) + self.convkw(y))
               * channel_affine(self.psi, y) + y)
        out = masked(x, out_mask) + self.drop_path_out(out)
        out = out + self.drop_path_mlp(self.mlp_of(self.gn(out)))
        return out, out_mask
