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


# --- indicator tables: counts that would give a masked count of people away ------------------------------------

PEOPLE_INDICATOR = "ru_actifs"
# In a territory where the number of RU is masked, a small count of filled seats or of mandates bounds it
# (3 filled seats: at most 3 RU hold them), so it is masked with it...
REVEALS_PEOPLE = ("sieges_pourvus", "mandats_fin_3m", "mandats_fin_6m", "mandats_fin_12m")
# ... and filled = seats − vacant = seats × (1 − rate): with filled seats masked, the vacant seats and the
# vacancy and completeness rates of that territory go too (the seat count, from the instances file, stays).
REBUILD_FILLED_SEATS = ("sieges_vacants", "taux_vacance", "taux_vacance_cdu", "taux_vacance_titulaires",
                        "taux_vacance_suppleants", "part_cdu_completes", "part_cdu_avec_vacance")
ADDITIVE = (PEOPLE_INDICATOR, *REVEALS_PEOPLE, "sieges_vacants")
# Rates of one cohort that add up to 100 %: one masked beside the other two would come back by difference
# (on time + late + never = the cohort), so a second one is masked with it.
SHARES_OF_ONE_WHOLE = (("taux_formation_6m", "taux_formation_tardive", "taux_sans_formation"),)


def mask_complementary_shares(rows: pd.DataFrame) -> pd.DataFrame:
    """Per territory, when exactly one rate of a SHARES_OF_ONE_WHOLE group is masked, the smallest shown one is
    masked too (value and numerator), so the masked one cannot be recomputed from the others."""
    if rows.empty:
        return rows
    rows = rows.copy()
    rows["masked"] = rows["masked"].astype(bool)
    for group in SHARES_OF_ONE_WHOLE:
        part = rows[rows["indicator_id"].isin(group)]
        for _, one in part.groupby(["level", "territory_code"]):
            shown = one[~one["masked"] & one["value"].notna()]
            if one["masked"].sum() == 1 and len(shown) and len(one) == len(group):
                hide = shown.sort_values(["numerator", "indicator_id"]).index[0]
                rows.loc[hide, ["value", "numerator"]] = np.nan
                rows.loc[hide, "masked"] = True
    return rows


def mask_revealing_indicators(rows: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Indicator rows of one date (indicator_id, level, territory_code, value, numerator, denominator, masked),
    as `indicators.compute` gives them, with the counts that would give a masked `ru_actifs` away masked too.

    Per territory where ru_actifs is masked: the REVEALS_PEOPLE counts under the threshold, then, if filled
    seats are masked, REBUILD_FILLED_SEATS. Per level and count: when a single territory is masked while others
    are shown, the smallest shown one is masked as well (the complementary cell), so a masked count cannot be
    recomputed from the total of the level above.
    """
    if rows.empty or PEOPLE_INDICATOR not in set(rows["indicator_id"]):
        return rows
    rows = rows.copy().reset_index(drop=True)
    rows["masked"] = rows["masked"].astype(bool)
    key = pd.Series(list(zip(rows["level"], rows["territory_code"])), index=rows.index)

    def hide(selection: pd.Series) -> None:
        keep_den = rows["indicator_id"].isin(REBUILD_FILLED_SEATS)  # their denominators are seats or CDU counts
        rows.loc[selection, ["value", "numerator"]] = np.nan
        rows.loc[selection & ~keep_den, "denominator"] = np.nan
        rows.loc[selection, "masked"] = True

    def masked_keys(indicator_id: str) -> set:
        return set(key[(rows["indicator_id"] == indicator_id) & rows["masked"]])

    people_hidden = masked_keys(PEOPLE_INDICATOR)
    hide(rows["indicator_id"].isin(REVEALS_PEOPLE) & key.isin(people_hidden) & (rows["value"] < threshold))
    for indicator_id in ADDITIVE:  # complementary cells, one level at a time
        for _, group in rows[rows["indicator_id"] == indicator_id].groupby("level"):
            shown = group[~group["masked"] & (group["value"] > 0)]
            if group["masked"].sum() == 1 and len(shown):
                hide(rows.index.isin([shown.sort_values(["value", "territory_code"]).index[0]]))
    hide(rows["indicator_id"].isin(REBUILD_FILLED_SEATS) & key.isin(masked_keys("sieges_pourvus")))
    return rows


PRIMARY_LABEL = "< {threshold}"
SECONDARY_LABEL = "secret"


def mask_people_table(frame: pd.DataFrame, people: dict[str, tuple[str, ...]],
                      threshold: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mask a table with one row per territory. `people` maps each count-of-people column to the columns of the
    same row that bound it (e.g. {"people": ("mandates",)}: 3 active mandates say there are at most 3 RU).

    Returns the frame with masked cells emptied and a frame of labels: « < 11 » for a small count of people,
    « secret » for a cell masked with it (same row) or as its complementary cell (the smallest other row of the
    column when only one row is masked, so the masked count cannot be recomputed from a published total)."""
    frame = frame.copy()
    labels = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for column, linked in people.items():
        values = pd.to_numeric(frame[column], errors="coerce")
        small = values.between(1, threshold - 1)
        labels.loc[small, column] = PRIMARY_LABEL.format(threshold=threshold)
        secondary = pd.Series(False, index=frame.index)
        shown = values[~small & (values > 0)]
        if small.sum() == 1 and len(shown):
            secondary[shown.sort_values(kind="stable").index[0]] = True
            labels.loc[secondary, column] = SECONDARY_LABEL
        for other in linked:
            labels.loc[small | secondary, other] = SECONDARY_LABEL
    for column in labels.columns:
        hidden = labels[column] != ""
        if hidden.any():
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float).where(~hidden, np.nan)
    return frame, labels
