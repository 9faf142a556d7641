"""TriDet inference shortcuts give the full computation's outputs: heads skip the padded tail past the first padded
position, kernel-1 depthwise SGP convs run as a per-channel affine, all-valid masks skip the multiply."""
import torch

from tempo.models.tridet import TriDet
from tempo.models.tridet.sgp import channel_affine


def small_model():
    torch.manual_seed(0)
    model = TriDet(input_dim=12, num_classes=3, max_seq_len=64, backbone_arch=(2, 1, 3), embd_dim=16, fpn_dim=16,
                   head_dim=16, sgp_mlp_dim=24, regression_range=((0, 4), (4, 8), (8, 16), (16, 10000)),
                   init_conv_vars=0.3)
    for p in model.parameters():  # non-trivial weights everywhere (official init zeroes many)
        p.data.add_(0.1 * torch.randn_like(p))
    return model.eval()


def test_heads_on_padded_video_equal_the_full_run():
    model = small_model()
    x, mask = model.pad_batch([torch.randn(12, 23)], training=False)  # 23 of 64 valid
    with torch.no_grad():
        out = model.forward_heads(x, mask)
        feats, masks = out["fpn_feats"], out["fpn_masks"]
        for name in ("cls_head", "start_head", "end_head", "reg_head"):
            head = getattr(model, name)
            fast = head(feats, masks)
            head.train()  # training runs every position (the head has no dropout)
            full = head(feats, masks)
            head.eval()
            for level, (a, b) in enumerate(zip(fast, full)):
                valid = int(masks[level].sum())
                assert valid < a.shape[-1]  # the tail was really skipped on every level
                # a shorter conv may block its sums differently: a few float32 ulps
                torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-6, msg=f"{name} level {level}")
                assert torch.all(a[..., valid:] == 0)


def test_kernel1_depthwise_conv_as_affine():
    conv = torch.nn.Conv1d(8, 8, 1, groups=8)
    x = torch.randn(2, 8, 5)
    torch.testing.assert_close(channel_affine(conv, x), conv(x), rtol=0, atol=1e-6)
    wide = torch.nn.Conv1d(8, 8, 3, padding=1, groups=8)
    assert torch.equal(channel_affine(wide, x), wide(x))  # other kernels run the conv itself
