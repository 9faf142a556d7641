# TextClipNet at 128 px with dense object labels (issue #18, session 12): configs/text_clipnet/synth_128.py (the
# shipped 64-px network continued at 128 px, same schedule) plus a training-time 1x1 head on the last map that
# names, per cell of the middle frame, the object there (or background), its shape / colour / size / texture and
# the labelled action it is doing (tempo/models/text_clipnet/object_maps.py). Why: most grounder misses are the
# right action by another object with one actor in view — recognition of the actor, which a whole-window
# caption label teaches slowly; the scene plan knows every object's pixels, so every cell can be told.
#
#   python tools/train.py configs/text_clipnet/synth_objects.py --work-dir work_dirs/text_clipnet_objects
_base_ = ["./synth_128.py"]

object_grid = 8  # input_size / 16: the body halves the frame four times
model = dict(object_weight=0.5)
train_dataloader = dict(dataset=dict(object_grid=object_grid))
