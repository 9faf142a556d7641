"""A ``SeedVRRestorer`` from the official SeedVR / SeedVR2 files: the DiT (``seedvr{,2}_ema_{3b,7b}.pth``), the VAE
(``ema_vae.pth``) and the text embeddings (``pos_emb.pt``, ``neg_emb.pt``), all read with ``weights_only=True``.

``path``: the folder holding the four files (what ``tempo weights fetch`` makes) or the DiT file with the
other three beside it. The model config: the one given (``--config``), else the registry's config for that DiT
file name. Each file's contents are checked before use, so a file in the wrong place (the VAE given as the DiT)
is one line naming what was expected.
"""
from __future__ import annotations

from pathlib import Path

import torch

from ...errors import InputError

VAE_FILE, POS_FILE, NEG_FILE = "ema_vae.pth", "pos_emb.pt", "neg_emb.pt"
OFFICIAL_SUFFIXES = (".pth", ".pt")
DIT_EXPECTED = "the SeedVR DiT (a NaDiT state dict: vid_in.*, emb_in.*, blocks.N.*; e.g. seedvr2_ema_3b.pth)"
VAE_EXPECTED = "the SeedVR VAE (a causal video VAE state dict: encoder.*, decoder.*; ema_vae.pth)"


def is_official(path) -> bool:
    """True for official SeedVR weights: a folder, or a ``.pth``/``.pt`` file (tempo's own are .safetensors)."""
    p = Path(path)
    return p.is_dir() or p.suffix in OFFICIAL_SUFFIXES


def _dit_names() -> dict:
    from ...official.registry import list_models

    out = {}
    for m in list_models():
        for f in m["files"]:
            if m["task"] == "restore" and f["role"] == "dit":
                out.setdefault(f["name"], m)
    return out


def official_files(path) -> dict:
    """role -> Path of the four files; one line naming the folder and what is missing otherwise."""
    p = Path(path)
    if p.is_dir():
        known = [p / n for n in _dit_names() if (p / n).is_file()]
        others = [q for q in sorted(p.glob("*.pth")) if q.name != VAE_FILE]
        candidates = known or others
        if len(candidates) != 1:
            what = "no DiT .pth" if not candidates else f"several DiT files ({', '.join(q.name for q in candidates)})"
            raise InputError(p, f"{what}; expected {DIT_EXPECTED} beside {VAE_FILE}, {POS_FILE}, {NEG_FILE}")
        dit, folder = candidates[0], p
    else:
        if not p.is_file():
            raise InputError(p, "weights file not found")
        dit, folder = p, p.parent
    files = {"dit": dit, "vae": folder / VAE_FILE, "pos_emb": folder / POS_FILE, "neg_emb": folder / NEG_FILE}
    missing = [f.name for f in files.values() if not f.is_file()]
    if missing:
        raise InputError(folder, f"missing {', '.join(missing)} beside {dit.name} (official SeedVR files: the DiT, "
                         f"{VAE_FILE}, {POS_FILE}, {NEG_FILE}; tempo weights fetch seedvr2-3b)")
    return files


def _read(path: Path):
    try:
        return torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception as exc:  # not a torch file, truncated, or pickles more than tensors
        raise InputError(path, f"cannot read as official weights ({exc.__class__.__name__}: "
                               f"{str(exc).splitlines()[0][:120] if str(exc) else ''})") from exc


def kind_of(state) -> str:
    """"dit", "vae", "tensor" or "other", from what a file holds."""
    if torch.is_tensor(state):
        return "tensor"
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        return "other"
    keys = list(state)
    if any(k.startswith("blocks.") for k in keys) and any(k.startswith("vid_in.") for k in keys):
        return "dit"
    if any(k.startswith("encoder.") for k in keys) and any(k.startswith("decoder.") for k in keys):
        return "vae"
    return "other"


_DESCRIBE = {"dit": "the SeedVR DiT", "vae": "the SeedVR VAE", "tensor": "a single tensor (a text embedding?)",
             "other": "not a SeedVR state dict"}


def _expect(path: Path, state, want: str, expected: str):
    got = kind_of(state)
    if got != want:
        raise InputError(path, f"this file holds {_DESCRIBE[got]}; expected {expected}")
    return state


def _model_config(dit_path: Path, model_cfg: dict | None) -> dict:
    if model_cfg is not None:
        return dict(model_cfg)
    from mmengine.config import Config

    from ...official.registry import config_path

    entry = _dit_names().get(dit_path.name)
    cfg_file = config_path(entry) if entry else None
    if cfg_file is None or not cfg_file.is_file():
        raise InputError(dit_path, "no model config for this DiT file name; pass --config "
                                   "configs/seedvr/<seedvr|seedvr2>_<3b|7b>_restore.py")
    return Config.fromfile(str(cfg_file)).model.to_dict()  # a tempo repository config, not user data


def _match(path: Path, module_cls_name: str, build, state):
    try:
        return build(state)
    except (RuntimeError, ValueError) as exc:
        first = str(exc).replace("\n", " ").replace("\t", "")[:300]
        raise InputError(path, f"does not match the {module_cls_name} of the model config ({first})") from exc


def load_official_restorer(path, model_cfg: dict | None = None):
    """(restorer in eval mode, float32, model config)."""
    from .checkpoint import load_official_dit, load_official_vae, strip_type
    from .restore import SeedVRRestorer

    files = official_files(path)
    cfg = _model_config(files["dit"], model_cfg)
    if cfg.get("type") not in (None, "SeedVRRestorer") or not isinstance(cfg.get("dit"), dict):
        raise InputError(files["dit"], "the model config must describe a SeedVRRestorer (with dit= and vae=)")
    dit_state = _expect(files["dit"], _read(files["dit"]), "dit", DIT_EXPECTED)
    dit = _match(files["dit"], "DiT", lambda s: load_official_dit(s, **strip_type(cfg["dit"])), dit_state)
    vae_state = _expect(files["vae"], _read(files["vae"]), "vae", VAE_EXPECTED)
    vae = _match(files["vae"], "VAE", lambda s: load_official_vae(s, **strip_type(cfg["vae"])), vae_state)
    txt_dim = dit.txt_in.in_features if isinstance(dit.txt_in, torch.nn.Linear) else cfg.get("txt_in_dim")
    emb = {}
    for role in ("pos_emb", "neg_emb"):
        t = _expect(files[role], _read(files[role]), "tensor",
                    f"a ({'L'}, {txt_dim}) text-embedding tensor ({files[role].name})")
        if t.dim() != 2 or (txt_dim and t.shape[-1] != txt_dim):
            raise InputError(files[role], f"text embedding of shape {tuple(t.shape)}; expected (L, {txt_dim})")
        emb[role] = t.float()
    rest = {k: v for k, v in cfg.items() if k not in ("type", "dit", "vae")}
    restorer = SeedVRRestorer(dit=dit, vae=vae, **rest)
    restorer.set_text_embeddings(emb["pos_emb"], emb["neg_emb"])
    # float32 on the CPU (official files may be stored in half precision); GPU autocast is the device's concern
    return restorer.float().eval(), cfg
