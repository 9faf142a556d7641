# QueryParser: which object (shape / colour / size / texture, or "not said") and which action a grounding query
# names, read from its frozen MiniLM sentence embedding. Trained on the grounding queries of the train splits
# (tools/build_default_grounder.py's data folder), validated on seed 0 val.
#
#   python -m tempo.models.object_match.query_bank data/query_bank.npz DATA/train.jsonl DATA/val.jsonl
#   python tools/train.py configs/object_match/query_parser.py --work-dir work_dirs/object_query_parser
_base_ = ["./_common.py"]

data = "data/synth_ground_textclip"
bank = "data/query_bank.npz"
model = dict(type="QueryParserTrainer", text_dim=384, hidden=512)
train_dataloader = dict(
    batch_size=128, num_workers=0, sampler=dict(type="DefaultSampler", shuffle=True),
    collate_fn=dict(type="query_parse_collate"),
    dataset=dict(type="QueryParseDataset", ann_file=f"{data}/train.jsonl", bank=bank))
val_dataloader = dict(
    batch_size=256, num_workers=0, sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="query_parse_collate"),
    dataset=dict(type="QueryParseDataset", ann_file=f"{data}/val.jsonl", bank=bank))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=30, val_interval=10)

learning_rate = 2e-3
optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="AdamW", lr=learning_rate, weight_decay=1e-2))
param_scheduler = [dict(type="CosineAnnealingLR", eta_min=learning_rate * 0.01, by_epoch=True, begin=0, end=30,
                        convert_to_iter_based=True)]
