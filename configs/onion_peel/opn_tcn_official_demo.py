# Onion-Peel Networks as the official video demo runs them: 240x424 working size, a memory frame every
# 5 frames, every frame reading all memory frames but itself, TCN smoothing. Weights: official OPN.pth/TCN.pth.
model = dict(
    opn=dict(type="OnionPeelOPN", thickness=8),
    tcn=dict(type="OnionPeelTCN"),
)
completion = dict(
    size=(240, 424),  # (height, width); None = each video's own size
    mem_every=5,
    memory_frames=None,  # None = all memory frames (memory grows with video length)
    interpolation="linear",  # the group-image demo uses "cubic"
)
