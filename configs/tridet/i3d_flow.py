# The optical-flow stream of TriDet's THUMOS14 features as an mmaction2 recognizer: I3D-R50 reading 2-channel
# (x, y) flow, stored as uint8 the way mmaction2's flow models read it (flow clipped to [-20, 20] -> 0..255, then
# (v - 128) / 128, the normalisation of mmaction2's flow configs). Give its weights with --i3d-flow.
# Python: runs as code.
_base_ = ["./i3d_rgb.py"]
model = dict(
    backbone=dict(in_channels=2),
    data_preprocessor=dict(mean=[128.0, 128.0], std=[128.0, 128.0]))
