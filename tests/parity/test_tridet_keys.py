"""The tempo configs build models with exactly the official state-dict keys, shapes and dtypes (README §9)."""
import pytest
from mmengine.config import Config

from test_tridet_common import REPO_ROOT


def _official_keys(path):
    rows = [line.rstrip("\n").split("\t") for line in path.read_text().splitlines() if not line.startswith("#")]
    return [(key, shape, dtype) for key, shape, dtype in rows]


@pytest.mark.parametrize("config, keys", [("thumos14_i3d.py", "keys_thumos14_full.txt"),
                                          ("anet_tsp.py", "keys_anet_full.txt")])
def test_config_builds_official_state_dict(parity_dir, config, keys):
    import tempo.models.tridet  # noqa: F401  (registers TriDet)
    from tempo.registry import MODELS

    cfg = Config.fromfile(str(REPO_ROOT / "configs" / "tridet" / config))
    model = MODELS.build(cfg.model)
    ours = [("module." + k, str(list(v.shape)), str(v.dtype).replace("torch.", ""))
            for k, v in model.state_dict().items()]
    assert ours == _official_keys(parity_dir("tridet") / keys)
