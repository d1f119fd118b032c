"""Statistical secrecy: small counts of people are masked, with a complementary cell per row."""
from __future__ import annotations

import numpy as np
import pandas as pd


def mask_small_counts(frame: pd.DataFrame, columns: list[str], threshold: int,
                      complementary: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (masked frame, boolean mask). Counts from 1 to threshold-1 are hidden; when a row has exactly
    one hidden cell among `columns` (which a shown total could reveal), the next smallest cell of that row
    is hidden too."""
    frame = frame.copy()
    values = frame[columns].astype(float)
    mask = (values >= 1) & (values < threshold)
    if complementary and len(columns) > 1:
        for index in frame.index[mask.sum(axis=1) == 1]:
            candidates = values.loc[index][~mask.loc[index]].dropna()
            if len(candidates):
                mask.loc[index, candidates.idxmin()] = True
    for column in columns:
        frame[column] = values[column].where(~mask[column], np.nan)
    return frame, mask
