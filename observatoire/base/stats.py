"""Confidence intervals of published survey percentages (normal approximation)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

Z_95 = 1.96


def confidence_interval(percent, base, z: float = Z_95) -> tuple[float, float] | None:
    """95 % interval of a published percentage (normal approximation), in %, one decimal; None when the base is
    unknown. 30 % of 3 690 -> (28,5 ; 31,5)."""
    if percent is None or base is None or pd.isna(percent) or pd.isna(base) or base <= 0:
        return None
    p = float(percent) / 100
    half = z * math.sqrt(p * (1 - p) / float(base)) * 100
    return round(max(0.0, percent - half), 1), round(min(100.0, percent + half), 1)


def confidence_bounds(percent: pd.Series, base: pd.Series, z: float = Z_95) -> tuple[pd.Series, pd.Series]:
    """confidence_interval over columns (NaN where the base is unknown)."""
    p = pd.to_numeric(percent, errors="coerce").astype(float) / 100
    n = pd.to_numeric(base, errors="coerce").astype(float)
    half = z * np.sqrt(p * (1 - p) / n.where(n > 0)) * 100
    return (p * 100 - half).clip(lower=0).round(1), (p * 100 + half).clip(upper=100).round(1)
