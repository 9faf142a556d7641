# The embedded grounder with the object stage (session 13): the same BAM-DETR head reads, per 0.27-s row,
# TextClipNet's embedding followed by three query match columns from the object stage (configs/object_match/:
# ForegroundNet finds the objects, ObjectClipNet says what each is and does, QueryParser what the query names).
# Starts from the shipped text-only grounder with its input widened by three zero-weight columns
# (tools/build_default_grounder.py --objects --init-bundle), so it begins where stage 4 ended.
_base_ = ["./synth_textclip.py"]

video_dim = 256
match_columns = 3
data_root = "data/synth_ground_textclip"
object_match = dict(slots=data_root + "/features/slots", parse=data_root + "/features/parse")
model = dict(model=dict(v_feat_dim=video_dim + match_columns + 2))
train_dataloader = dict(dataset=dict(object_match=object_match))
val_dataloader = dict(dataset=dict(object_match=object_match))
test_dataloader = dict(dataset=dict(object_match=object_match))
load_from = "work_dirs/bam_detr_synth_objects/init_from_bundle.pth"
optim_wrapper = dict(optimizer=dict(lr=1.5e-4))
train_cfg = dict(max_epochs=4, val_interval=1)
param_scheduler = [dict(type="CosineAnnealingLR", eta_min=1e-6, by_epoch=True, begin=0, end=4)]
