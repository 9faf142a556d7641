"""The TriDet detector (Shi et al., CVPR 2023) as an mmengine ``BaseModel``.

Constructor arguments use the official model-config names (including the official spelling
``boudary_kernel_size``), so an official config's ``model`` dict builds it directly; its state-dict keys equal the
official ones without the ``module.`` prefix.
"""
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from tempo.registry import MODELS

from .assign import assign_video
from .backbone import IdentityNeck, SGPBackbone
from .heads import ClassHead, RegressionHead
from .losses import centre_diou_loss, centre_iou, sigmoid_focal_loss
from .points import PointGenerator
from .postprocess import grid_to_seconds, run_nms, select_candidates
from .trident import decode_level

DEFAULT_TRAIN_CFG = dict(center_sample="radius", center_sample_radius=1.5, loss_weight=1.0, cls_prior_prob=0.01,
                         init_loss_norm=2000, clip_grad_l2norm=-1, head_empty_cls=[], dropout=0.0, droppath=0.1,
                         label_smoothing=0.0)
DEFAULT_TEST_CFG = dict(pre_nms_thresh=0.001, pre_nms_topk=5000, iou_threshold=0.1, min_score=0.01,
                        max_seg_num=1000, nms_method="soft", nms_sigma=0.5, duration_thresh=0.05,
                        multiclass_nms=True, ext_score_file=None, voting_thresh=0.75)


@MODELS.register_module()
class TriDet(BaseModel):
    """SGP backbone -> identity neck -> cls / start / end / offset heads -> Trident decoding."""

    def __init__(self, input_dim, num_classes, max_seq_len, backbone_type="SGP", fpn_type="identity",
                 backbone_arch=(2, 2, 5), scale_factor=2, max_buffer_len_factor=6.0, n_sgp_win_size=1,
                 embd_kernel_size=3, embd_dim=512, embd_with_ln=True, fpn_dim=512, sgp_mlp_dim=768,
                 fpn_with_ln=True, head_dim=512, regression_range=((0, 4), (4, 8), (8, 16), (16, 32), (32, 64),
                                                                     (64, 10000)),
                 head_num_layers=3, head_kernel_size=3, boudary_kernel_size=3, head_with_ln=True, use_abs_pe=False,
                 num_bins=16, iou_weight_power=0.2, downsample_type="max", input_noise=0.0, k=5.0,
                 init_conv_vars=0.0, use_trident_head=True, train_cfg=None, test_cfg=None, data_preprocessor=None,
                 init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if backbone_type != "SGP" or fpn_type != "identity" or not use_trident_head:
            raise NotImplementedError("tempo's TriDet implements the SGP backbone, identity neck and Trident head")
        self.train_cfg = {**DEFAULT_TRAIN_CFG, **(train_cfg or {})}
        self.test_cfg = {**DEFAULT_TEST_CFG, **(test_cfg or {})}
        num_levels = backbone_arch[-1] + 1
        self.fpn_strides = [scale_factor ** i for i in range(num_levels)]
        if len(regression_range) != num_levels:
            raise ValueError("regression_range needs one (low, high) pair per pyramid level")
        windows = [n_sgp_win_size] * num_levels if isinstance(n_sgp_win_size, int) else list(n_sgp_win_size)
        # Inference pads to a multiple of the largest stride x window so every level divides evenly.
        self.max_div_factor = max([1] + [s * w if w > 1 else s for s, w in zip(self.fpn_strides, windows)])
        self.num_classes = num_classes
        self.num_bins = num_bins
        self.max_seq_len = max_seq_len
        self.input_noise = input_noise
        self.iou_weight_power = iou_weight_power

        self.backbone = SGPBackbone(input_dim, embd_dim, sgp_mlp_dim, backbone_arch, embd_kernel_size, embd_with_ln,
                                    max_seq_len, scale_factor, windows, k, self.train_cfg["droppath"],
                                    downsample_type, use_abs_pe, init_conv_vars)
        self.neck = IdentityNeck(fpn_dim, num_levels, fpn_with_ln)
        self.point_generator = PointGenerator(max_seq_len * max_buffer_len_factor, self.fpn_strides, regression_range)
        head_args = dict(num_layers=head_num_layers, with_ln=head_with_ln, prior_prob=self.train_cfg["cls_prior_prob"],
                         empty_cls=self.train_cfg["head_empty_cls"])
        self.cls_head = ClassHead(fpn_dim, head_dim, num_classes, kernel=head_kernel_size, **head_args)
        self.start_head = ClassHead(fpn_dim, head_dim, num_classes, kernel=boudary_kernel_size, detach_feat=True,
                                    **head_args)
        self.end_head = ClassHead(fpn_dim, head_dim, num_classes, kernel=boudary_kernel_size, detach_feat=True,
                                  **head_args)
        self.reg_head = RegressionHead(fpn_dim, head_dim, num_levels, head_num_layers, head_kernel_size,
                                       head_with_ln, num_bins)
        # Running number of positives (official: plain attribute, not saved in checkpoints).
        self.loss_normalizer = float(self.train_cfg["init_loss_norm"])
        self.loss_normalizer_momentum = 0.9

    # ------------------------------------------------------------------ batching
    def padded_length(self, length: int) -> int:
        """Official eval padding: to max_seq_len if shorter, else up to a multiple of ``max_div_factor``."""
        if length <= self.max_seq_len:
            return self.max_seq_len
        return (length + self.max_div_factor - 1) // self.max_div_factor * self.max_div_factor

    @torch.no_grad()
    def pad_batch(self, feats_list, training: bool):
        """List of ``[C, T_i]`` -> inputs ``[B, C, T_pad]``, masks ``[B, 1, T_pad]``."""
        lengths = torch.as_tensor([f.shape[-1] for f in feats_list])
        longest = int(lengths.max())
        if training:
            if longest > self.max_seq_len:
                raise ValueError("training inputs must not exceed max_seq_len (crop them in the dataset)")
            inputs = feats_list[0].new_zeros(len(feats_list), feats_list[0].shape[0], self.max_seq_len)
            for feat, row in zip(feats_list, inputs):
                row[:, :feat.shape[-1]].copy_(feat)
            if self.input_noise > 0:
                inputs += torch.randn_like(inputs) * self.input_noise
            total = self.max_seq_len
        else:
            if len(feats_list) != 1:
                raise ValueError("TriDet inference runs one video at a time (padding changes the outputs)")
            total = self.padded_length(longest)
            inputs = F.pad(feats_list[0], [0, total - longest]).unsqueeze(0)
        masks = (torch.arange(total)[None, :] < lengths[:, None]).unsqueeze(1)
        return inputs.to(self.device), masks.to(self.device)

    @property
    def device(self):
        return next(self.parameters()).device

    # ------------------------------------------------------------------ network
    def forward_heads(self, inputs: torch.Tensor, masks: torch.Tensor) -> dict:
        """Raw network outputs, channels first (as the convs produce them)."""
        feats, feat_masks = self.backbone(inputs, masks)
        fpn_feats, fpn_masks = self.neck(feats, feat_masks)
        return {
            "backbone_feats": feats, "backbone_masks": feat_masks, "fpn_feats": fpn_feats, "fpn_masks": fpn_masks,
            "points": self.point_generator([f.shape[-1] for f in fpn_feats]),
            "cls_logits": self.cls_head(fpn_feats, fpn_masks),
            "start_logits": self.start_head(fpn_feats, fpn_masks),
            "end_logits": self.end_head(fpn_feats, fpn_masks),
            "reg_offsets": self.reg_head(fpn_feats, fpn_masks),
        }

    def forward_heads_at(self, inputs: torch.Tensor, masks: torch.Tensor, dtype: str | None = None) -> dict:
        """``forward_heads`` under autocast at ``dtype`` (None/"float32": plain ``forward_heads``, the parity path);
        the outputs come back float32, so decoding and NMS run on float32 as they do at float32."""
        if dtype in (None, "float32"):
            return self.forward_heads(inputs, masks)
        from ..common.precision import autocast

        with autocast(inputs.device, dtype):
            out = self.forward_heads(inputs, masks)
        return {k: [t.float() if t.is_floating_point() else t for t in v] if isinstance(v, (list, tuple)) else
                (v.float() if torch.is_tensor(v) and v.is_floating_point() else v) for k, v in out.items()}

    def decoded_offsets(self, out: dict):
        """Per level ``[B, T_l, C, 2]`` expected (left, right) distances in level strides."""
        return [decode_level(s, e, o, self.num_bins)
                for s, e, o in zip(out["start_logits"], out["end_logits"], out["reg_offsets"])]

    def forward(self, videos=None, data_samples=None, mode: str = "tensor", **fields):
        """mmengine entry point; ``videos`` is a list of dicts like the official dataset items, or the same
        fields as lists (what mmengine's ``pseudo_collate`` makes of a batch of dicts)."""
        if videos is None:
            videos = [dict(zip(fields, values)) for values in zip(*fields.values())]
        if mode == "loss":
            return self.loss(videos)
        if mode == "predict":
            return [self.predict_video(v) for v in videos]
        inputs, masks = self.pad_batch([v["feats"] for v in videos], training=self.training)
        return self.forward_heads(inputs, masks)

    # ------------------------------------------------------------------ training
    def assign(self, points, segments, labels):
        concat = torch.cat(points, dim=0)
        cfg = self.train_cfg
        targets = [assign_video(concat, s, l, self.num_classes, cfg["center_sample"], cfg["center_sample_radius"])
                   for s, l in zip(segments, labels)]
        return torch.stack([t[0] for t in targets]), torch.stack([t[1] for t in targets])

    def loss(self, videos) -> dict:
        inputs, masks = self.pad_batch([v["feats"] for v in videos], training=True)
        out = self.forward_heads(inputs, masks)
        gt_cls, gt_offsets = self.assign(out["points"], [v["segments"].to(self.device) for v in videos],
                                         [v["labels"].to(self.device) for v in videos])
        return self.losses(out, gt_cls, gt_offsets)

    def losses(self, out: dict, gt_cls: torch.Tensor, gt_offsets: torch.Tensor) -> dict:
        """gt_cls ``[B, FT, C]``, gt_offsets ``[B, FT, 2]`` (all levels concatenated)."""
        valid = torch.cat([m.squeeze(1) for m in out["fpn_masks"]], dim=1)
        cls_logits = torch.cat([x.permute(0, 2, 1) for x in out["cls_logits"]], dim=1)
        decoded = torch.cat(self.decoded_offsets(out), dim=1)  # [B, FT, C, 2]
        pos = (gt_cls.sum(-1) > 0) & valid
        pos_cls = gt_cls[pos].bool()
        pred_offsets = decoded[pos][pos_cls]  # positive (point, class) pairs, point-major
        target_offsets = gt_offsets[pos][torch.where(pos_cls)[0]]

        num_pos = int(pos.sum())
        self.loss_normalizer = (self.loss_normalizer_momentum * self.loss_normalizer
                                + (1 - self.loss_normalizer_momentum) * max(num_pos, 1))
        smoothing = self.train_cfg["label_smoothing"]
        target = gt_cls[valid]
        target = target * (1 - smoothing) + smoothing / (self.num_classes + 1)  # C + 1 as official
        cls_loss = sigmoid_focal_loss(cls_logits[valid], target)
        # Focal loss of positives is scaled by IoU^power (not detached); written as 1 - (1 - IoU) as official.
        iou_weight = (1 - (1.0 - centre_iou(pred_offsets, target_offsets))) ** self.iou_weight_power
        rated = target > smoothing / (self.num_classes + 1)
        cls_loss = cls_loss.clone()
        cls_loss[rated] = cls_loss[rated] * iou_weight
        cls_loss = cls_loss.sum() / self.loss_normalizer
        if num_pos == 0:
            reg_loss = 0 * pred_offsets.sum()
        else:
            reg_loss = centre_diou_loss(pred_offsets, target_offsets).sum() / self.loss_normalizer
        weight = self.train_cfg["loss_weight"]
        if weight <= 0:
            weight = cls_loss.detach() / max(reg_loss.item(), 0.01)
        return {"cls_loss": cls_loss, "reg_loss": reg_loss, "final_loss": cls_loss + reg_loss * weight}

    def parse_losses(self, losses):
        # The official objective is final_loss; cls/reg are logged only.
        log_vars = {k: v.detach().mean() for k, v in losses.items()}
        log_vars["loss"] = log_vars.pop("final_loss")
        return losses["final_loss"], log_vars

    # ------------------------------------------------------------------ inference
    @torch.no_grad()
    def video_candidates(self, out: dict, index: int = 0) -> dict:
        """Pre-NMS candidates (grid units) of one video of the batch."""
        decoded = [d[index].transpose(0, 1) for d in self.decoded_offsets(out)]  # [C, T, 2]
        return select_candidates([x[index].permute(1, 0) for x in out["cls_logits"]], decoded, out["points"],
                                 [m[index, 0] for m in out["fpn_masks"]], self.num_classes,
                                 self.test_cfg["pre_nms_thresh"], self.test_cfg["pre_nms_topk"],
                                 self.test_cfg["duration_thresh"])

    @torch.no_grad()
    def predict_video(self, video: dict, dtype: str | None = None) -> dict:
        """One video dict (feats [C, T], fps, duration, feat_stride, feat_num_frames) -> detections in seconds.
        ``dtype``: the network's precision (``forward_heads_at``); post-processing is float32 whatever it is."""
        inputs, masks = self.pad_batch([video["feats"]], training=False)
        out = self.forward_heads_at(inputs, masks, dtype)
        dets = run_nms(self.video_candidates(out), self.test_cfg)
        dets["segments"] = grid_to_seconds(dets["segments"], video["feat_stride"], video["feat_num_frames"],
                                           video["fps"], video["duration"])
        dets["video_id"] = video.get("video_id")
        return dets
