"""Non-interpolated average precision (sklearn's ``average_precision_score``; tempo does not depend on
scikit-learn, hence the numpy version)."""
from __future__ import annotations

import numpy as np

from .grounding import precision_recall_curve


def average_precision(y_true, y_score) -> float:
    """Sum over thresholds of (R_n - R_{n-1}) P_n."""
    precision, recall = precision_recall_curve(np.asarray(y_true, float), np.asarray(y_score, float))
    return float(-np.sum(np.diff(recall) * precision[:-1]))
