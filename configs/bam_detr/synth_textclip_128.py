# The embedded grounder's third stage (session 12): the same head fine-tuned on the rows of TextClipNet at 128 px
# (configs/text_clipnet/synth_128.py, now the bundled clip encoder), starting from the second stage's last
# checkpoint (configs/bam_detr/synth_textclip_continue.py). 5 epochs, 36 min on the 2-core CPU; end to end on
# seed 1 / 7 test R1@0.5 57.4 / 57.8 -> 59.5 / 59.7 (docs/bam_detr.md).
_base_ = ["./synth_textclip_continue.py"]
load_from = "work_dirs/bam_detr_synth_continue/epoch_5.pth"
optim_wrapper = dict(optimizer=dict(lr=1.5e-4))
