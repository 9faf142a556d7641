"""Shared helpers of the TriDet parity tests (no tests here): load fixtures, build the official-config model."""
import json
from pathlib import Path

import torch

from tempo.models.tridet import build_from_official_config, load_official

REPO_ROOT = Path(__file__).resolve().parents[2]


def load(path):
    return torch.load(path, map_location="cpu", weights_only=True)


def build_model(d, entry="state_dict_ema"):
    config = json.loads((d / "config.json").read_text())
    model = build_from_official_config(config)
    load_official(model, d / "checkpoint.pth.tar", prefer_ema=(entry == "state_dict_ema"))
    return model


def close(ours, ref, rel):
    """|Δ| <= rel * (1 + |ref|) everywhere (the fixture README's recommended comparison)."""
    return bool(((ours - ref).abs() <= rel * (1 + ref.abs())).all())


def match_within_label(ours: dict, ref: dict, seg_tol: float, score_tol: float) -> int:
    """Order-insensitive matching of detections within each label; returns the number of unmatched references."""
    unmatched = 0
    for label in torch.unique(torch.cat([ours["labels"], ref["labels"]])):
        a = torch.where(ours["labels"] == label)[0]
        b = torch.where(ref["labels"] == label)[0]
        used = torch.zeros(len(a), dtype=torch.bool)
        for j in b.tolist():
            ok = ((ours["scores"][a] - ref["scores"][j]).abs() <= score_tol) & \
                 ((ours["segments"][a] - ref["segments"][j]).abs().max(dim=1).values <= seg_tol) & ~used
            hit = torch.where(ok)[0]
            if len(hit) == 0:
                unmatched += 1
            else:
                used[hit[0]] = True
        unmatched += max(0, len(a) - len(b))
    return unmatched
