# The embedded grounder re-fitted to new TextClipNet rows (same 256-d layout, e.g. after the motion zoom view was
# added): starts from the shipped bundle and runs a short fresh cosine, instead of the 7 + 5 epochs from scratch.
#
#   python tools/build_default_grounder.py --config configs/bam_detr/synth_textclip_finetune.py \
#       --init-from tempo/weights/bam_detr_synth.safetensors --data data/synth_ground_zoom --work-dir work_dirs/bam_detr_zoom
_base_ = ["./synth_textclip.py"]
max_epochs = 3
optim_wrapper = dict(optimizer=dict(lr=1e-4))
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
param_scheduler = [dict(type="CosineAnnealingLR", eta_min=1e-6, by_epoch=True, begin=0, end=max_epochs)]
