"""The boundary pathway's 1-D sampling equals the official grid_sample formulation (bilinear, align_corners=True,
height-1 image), and the deformation packs sampled channels channel-major."""
import torch
import torch.nn.functional as F

from tempo.models.bam_detr.boundary import BoundaryDeformation, sample_linear


def grid_sample_reference(values, locations):
    """values (N, T, D), locations (N, Q, P) in [0, 1] -> (N, Q, P, D) via grid_sample as the official code."""
    n, t, d = values.shape
    _, q, p = locations.shape
    image = values.permute(0, 2, 1).reshape(n, d, 1, t)
    grid = torch.stack([2 * locations - 1, torch.zeros_like(locations)], -1).reshape(n, q * p, 1, 2).transpose(1, 2)
    out = F.grid_sample(image, grid, mode="bilinear", padding_mode="zeros", align_corners=True)  # (N, D, 1, Q*P)
    return out.reshape(n, d, q, p).permute(0, 2, 3, 1)


def test_linear_sampling_matches_grid_sample():
    torch.manual_seed(0)
    values = torch.randn(3, 17, 5)
    locations = torch.rand(3, 4, 6)
    locations[0, 0, :3] = torch.tensor([0.0, 1.0, 0.5])  # the ends and an exact row
    torch.testing.assert_close(sample_linear(values, locations), grid_sample_reference(values, locations),
                               atol=1e-6, rtol=0)


def test_single_row_video():
    values = torch.randn(2, 1, 4)
    out = sample_linear(values, torch.rand(2, 3, 4))
    torch.testing.assert_close(out, values[:, :1, None, :].expand(-1, 3, 4, -1))


def test_channel_major_packing():
    """With one head's value channels set to c and all weight on one point, output channel k*nhead + h = value
    channel h*head_dim + k."""
    torch.manual_seed(0)
    d, m = 16, 4
    deform = BoundaryDeformation(d, m)
    with torch.no_grad():
        deform.value_proj.weight.zero_()
        deform.value_proj.bias.copy_(torch.arange(d, dtype=torch.float32))
        deform.output_proj.weight.copy_(torch.eye(d))
        deform.output_proj.bias.zero_()
    out = deform(torch.randn(1, 2, d), torch.randn(1, 5, 2 * d), torch.rand(1, 2), torch.tensor([5.0]))
    head_dim = d // m
    expected = torch.tensor([float(h * head_dim + k) for k in range(head_dim) for h in range(m)])
    torch.testing.assert_close(out[0, 0], expected, atol=1e-5, rtol=0)
