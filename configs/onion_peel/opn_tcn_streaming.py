# Long videos at their own resolution: a bank of at most 8 memory frames (nearest to each frame), frames
# streamed in and out. Same networks and weights as the official demo.
_base_ = ["./opn_tcn_official_demo.py"]

completion = dict(size=None, memory_frames=8)
