# ObjectClipNet with the object's track (tempo/models/object_match/tracks.py) beside its crops for the action head:
# the shipped recogniser of configs/object_match/objects.py continued with a track branch and a new action head
# (the rest of its weights kept), on twice the samples (a second draw of row windows of the same train scenes).
#
#   python -m tempo.models.object_match.cache data/object_samples_train2 --seeds 0 2 3 4 5 --windows 6 --sample-seed 1
#   python tools/train.py configs/object_match/objects_tracks.py --work-dir work_dirs/object_clipnet_tracks \
#       --cfg-options load_from=work_dirs/object_clipnet/epoch_6.pth   # objects.py's last checkpoint
_base_ = ["./objects.py"]

model = dict(track_width=64)
train_dataloader = dict(dataset=dict(cache_dir=["data/object_samples_train", "data/object_samples_train2"]))
max_epochs = 4
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
learning_rate = 1e-3
optim_wrapper = dict(optimizer=dict(lr=learning_rate))
param_scheduler = [
    dict(type="LinearLR", start_factor=0.05, end_factor=1.0, by_epoch=False, begin=0, end=100),
    dict(type="CosineAnnealingLR", eta_min=learning_rate * 0.01, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True)]
