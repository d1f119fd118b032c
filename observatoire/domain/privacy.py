"""Statistical secrecy in one step: small counts of people are hidden, and so is a complementary cell wherever a
hidden one could be recomputed by difference from the figures shown with it.

`suppress` is the step. Its input is a set of figures shown together, as cells (a key and a count) and relations:
groups of cells that add up to a total the reader knows (the région's value beside its départements, a cohort
beside its on-time, late and never-trained parts). Primary cells are the counts of people from 1 to threshold − 1;
then, as long as a relation has exactly one hidden non-zero cell, its smallest shown non-zero cell is hidden too (a
hidden zero protects nothing). Every output assembles its figures through one of the two shapes below, which build cells and relations and
call `suppress`: `protect_table` (one row per territory or quarter, count columns) and `protect_indicators` (the
catalogue's long rows: pages, map frames, scorecard, bilan, CLI).
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

PRIMARY_LABEL = "< {threshold}"
SECONDARY_LABEL = "secret"


def is_small(values: pd.Series, threshold: int) -> pd.Series:
    """Counts of people that are never shown (primary cells): from 1 to threshold − 1 (a zero is shown)."""
    return pd.to_numeric(values, errors="coerce").between(1, threshold - 1)


def count_label(count, threshold: int) -> str:
    """A count of people as text: « < 11 » when small (primary cell), else the number."""
    return PRIMARY_LABEL.format(threshold=threshold) if 1 <= count < threshold else str(int(count))


def suppress(values: Mapping[Hashable, float], relations: Iterable[Sequence[Hashable]], primary: Iterable[Hashable],
             linked: Mapping[Hashable, Iterable[Hashable]] | None = None) -> set:
    """The hidden cells of a set of figures shown together.

    `values`: each cell's count (NaN: no figure there). `relations`: cells that add up to a known total (or whose
    signed sum is known: a total and its parts). `primary`: cells hidden whatever happens (small counts of people).
    `linked`: cells hidden with a hidden cell (a rate's numerator with its denominator, the mandates that bound a
    number of people). Then, while a relation holds exactly one hidden non-zero cell among cells with a figure, the
    smallest shown non-zero cell of it is hidden as well (by value, then by key: the same figures give the same
    cells); a hidden zero counts for nothing, as a zero total or a guess gives it back. A cell whose figure is
    unknown here (hidden by an earlier pass) has the value inf. Cells never leave the hidden set: the loop ends.
    """
    hidden = {cell for cell in primary if cell in values}
    linked = linked or {}
    relations = [[c for c in relation if c in values and not _missing(values[c])] for relation in relations]
    relations = [r for r in relations if len(r) > 1]
    of_cell: dict = {}
    for number, relation in enumerate(relations):
        for cell in relation:
            of_cell.setdefault(cell, []).append(number)
    pending = list(range(len(relations)))
    queue = list(hidden)
    while queue or pending:
        while queue:  # a newly hidden cell: hide what goes with it, look again at its relations
            cell = queue.pop()
            for other in linked.get(cell, ()):
                if other in values and other not in hidden:
                    hidden.add(other)
                    queue.append(other)
            pending.extend(of_cell.get(cell, ()))
        if not pending:
            break
        relation = relations[pending.pop()]
        # A hidden zero protects nothing (a zero total beside it, or a guess, gives it back): only non-zero count.
        if sum(1 for c in relation if c in hidden and values[c] != 0) != 1:
            continue
        shown = [c for c in relation if c not in hidden and values[c] != 0]
        if shown:
            choice = min(shown, key=lambda c: (float(values[c]), str(c)))
            hidden.add(choice)
            queue.append(choice)
    return hidden


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value)


# --- a table: one row per territory (or quarter), count columns -------------------------------------------------

def protect_table(frame: pd.DataFrame, counts: Sequence[str], threshold: int, *, people: Sequence[str] | None = None,
                  row_total: tuple[str, Sequence[str]] | None = None, column_groups: pd.Series | None = None,
                  linked: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """The boolean mask (True = hidden) of the `counts` columns of a table.

    `people`: the columns whose small values are primary cells (all `counts` by default). `row_total`: (total
    column, part columns) when each row's parts add up to its total (a cohort and its states; None: a total known
    elsewhere). `column_groups`: one key per row; the rows sharing a key add up, column by column, to a total shown
    elsewhere (the région's value for its départements; a constant key: the national total). `linked`: a people
    column -> columns of the same row hidden with it (3 active mandates say there are at most 3 RU)."""
    counts = list(counts)
    people = counts if people is None else list(people)
    values = {(i, c): _number(frame.at[i, c]) for i in frame.index for c in counts}
    primary = [(i, c) for c in people for i in frame.index[is_small(frame[c], threshold).to_numpy()]]
    relations: list[list] = []
    if row_total is not None:
        total, parts = row_total
        relations += [[*([(i, total)] if total else []), *((i, p) for p in parts)] for i in frame.index]
    if column_groups is not None:
        keys = pd.Series(column_groups, index=frame.index)
        for _, rows in keys.groupby(keys, dropna=False, sort=True):
            relations += [[(i, c) for i in rows.index] for c in counts]
    links = {(i, c): [(i, o) for o in others] for c, others in (linked or {}).items() for i in frame.index}
    hidden = suppress(values, relations, primary, links)
    mask = pd.DataFrame(False, index=frame.index, columns=counts)
    for i, c in hidden:
        mask.at[i, c] = True
    return mask


def _number(value) -> float:
    number = pd.to_numeric(value, errors="coerce")
    return float("nan") if pd.isna(number) else float(number)


def hide(frame: pd.DataFrame, mask: pd.DataFrame) -> pd.DataFrame:
    """The frame with the hidden cells emptied (NaN)."""
    frame = frame.copy()
    for column in mask.columns:
        if mask[column].any():
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float).where(~mask[column], np.nan)
    return frame


def labels(frame: pd.DataFrame, mask: pd.DataFrame, people: Sequence[str], threshold: int) -> pd.DataFrame:
    """Per cell: « < 11 » for a small count of people, « secret » for a cell hidden with it, "" when shown."""
    out = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for column in mask.columns:
        small = is_small(frame[column], threshold) & (column in people)
        out.loc[mask[column] & small, column] = PRIMARY_LABEL.format(threshold=threshold)
        out.loc[mask[column] & ~small, column] = SECONDARY_LABEL
    return out


def mask_people_table(frame: pd.DataFrame, people: dict[str, tuple[str, ...]],
                      threshold: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A table with one row per territory whose columns add up to the national total: `people` maps each count of
    people to the columns of the same row that bound it. Returns (frame with hidden cells emptied, labels)."""
    counts = list(dict.fromkeys([*people, *(c for linked in people.values() for c in linked)]))
    mask = protect_table(frame, counts, threshold, people=list(people),
                         column_groups=pd.Series("all", index=frame.index), linked=people)
    return hide(frame, mask), labels(frame, mask, list(people), threshold)


# --- the catalogue's rows: one indicator × territory per row ---------------------------------------------------

PEOPLE_INDICATOR = "ru_actifs"
# In a territory where the number of RU is hidden, a small count of filled seats or of mandates bounds it
# (3 filled seats: at most 3 RU hold them), so it is hidden with it...
REVEALS_PEOPLE = ("sieges_pourvus", "mandats_fin_3m", "mandats_fin_6m", "mandats_fin_12m")
# ... and filled = seats − vacant = seats × (1 − rate): with filled seats hidden, the vacant seats and the
# vacancy and completeness rates of that territory go too (the seat count, from the instances file, stays).
REBUILD_FILLED_SEATS = ("sieges_vacants", "taux_vacance", "taux_vacance_cdu", "taux_vacance_titulaires",
                        "taux_vacance_suppleants", "part_cdu_completes", "part_cdu_avec_vacance")
# Columns of one measure that add up within a territory: the first is the total, when it is a figure that may be
# hidden; the seat count is public (the instances file), so filled and vacant seats add up to a known total.
MEASURE_TOTALS = {"training": ("cohort", "on_time", "late", "never"), "seats": (None, "filled", "vacant")}


def protect_indicators(rows: pd.DataFrame, threshold: int, cells: Mapping[str, tuple], maskable: set[str],
                       parents: Mapping[str, str] | None = None, by: Sequence[str] = (),
                       above: pd.DataFrame | None = None) -> pd.DataFrame:
    """Indicator rows of one level and date (indicator_id, territory_code, value, numerator, denominator, masked),
    as `indicators.compute` builds them, with secrecy applied; rows already masked stay masked.

    `cells`: indicator_id -> (numerator cell, denominator cell or None), a cell being (measure, filters, column): two
    indicators reading the same column share the cell (ru_actifs and the denominator of mandats_par_ru). Primary: the
    numerator or denominator of a `maskable` indicator from 1 to threshold − 1; in a territory where ru_actifs is
    hidden, the REVEALS_PEOPLE counts under the threshold. Relations: per territory, MEASURE_TOTALS; per cell and
    parent territory (`parents`: territory -> parent; none: one national total), the territories of the level.
    A relation of MEASURE_TOTALS with a part absent from the rows is left out (the reader cannot solve it).
    `above`: the same indicators at the parents' level, already protected: a parent's masked figure is a hidden
    cell of its territories' relation (which then never holds it alone: the parent's complementary cell cannot come
    back as the sum of its territories).
    Linked: a rate's numerator with its hidden denominator; REBUILD_FILLED_SEATS with hidden filled seats.
    A row is masked when its numerator or denominator cell is hidden (value and that figure emptied)."""
    if rows.empty:
        return rows
    rows = rows.copy().reset_index(drop=True)
    rows["masked"] = rows["masked"].fillna(False).astype(bool)
    by = [b for b in by if b in rows.columns]
    where = list(zip(rows["territory_code"], *(rows[b] for b in by)))
    values: dict = {}
    primary: set = set()
    linked: dict = {}
    figures = {column: pd.to_numeric(rows[column], errors="coerce").to_numpy(dtype=float)
               for column in ("numerator", "denominator")}
    for r, (indicator_id, place, masked) in enumerate(zip(rows["indicator_id"], where, rows["masked"])):
        num_cell, den_cell = cells[indicator_id]
        for cell, column in ((num_cell, "numerator"), (den_cell, "denominator")):
            if cell is None:
                continue
            key = (cell, place)
            figure = figures[column][r]
            if not np.isnan(figure):
                values[key] = figure
                if indicator_id in maskable and 1 <= figure < threshold:
                    primary.add(key)
            elif masked:  # hidden by an earlier pass: stays hidden
                values.setdefault(key, np.inf)
                primary.add(key)
        if den_cell is not None and indicator_id in maskable:
            linked.setdefault((den_cell, place), []).append((num_cell, place))
    by_id = rows.groupby("indicator_id").groups
    if PEOPLE_INDICATOR in by_id:
        people_hidden = {place for r in by_id[PEOPLE_INDICATOR] for place in [where[r]]
                         if (cells[PEOPLE_INDICATOR][0], place) in primary}
        for indicator_id in REVEALS_PEOPLE:
            for r in by_id.get(indicator_id, []):
                key = (cells[indicator_id][0], where[r])
                if where[r] in people_hidden and values.get(key, threshold) < threshold:
                    primary.add(key)
    filled = ("seats", (), "filled")
    for indicator_id in REBUILD_FILLED_SEATS:
        for r in by_id.get(indicator_id, []):
            linked.setdefault((filled, where[r]), []).append((cells[indicator_id][0], where[r]))
    hidden_totals = set()
    if above is not None and len(above):
        for indicator_id, parent, masked, num, den in zip(above["indicator_id"], above["territory_code"],
                                                         above["masked"], above["numerator"], above["denominator"]):
            num_cell, den_cell = cells[indicator_id]
            if masked and pd.isna(num):
                hidden_totals.add((num_cell, parent))
            if masked and den_cell is not None and pd.isna(den):
                hidden_totals.add((den_cell, parent))
    relations = _indicator_relations(values, parents, hidden_totals)
    for total in {cell for relation in relations for cell in relation if cell[0] == "above"}:
        values[total] = np.inf  # a hidden total (non-zero): a cell of its territories' relation, never shown
        primary.add(total)
    hidden = suppress(values, relations, primary, linked)
    num_hidden = np.array([(cells[i][0], p) in hidden for i, p in zip(rows["indicator_id"], where)])
    den_hidden = np.array([cells[i][1] is not None and (cells[i][1], p) in hidden
                           for i, p in zip(rows["indicator_id"], where)])
    gone = num_hidden | den_hidden
    rows.loc[gone, "value"] = np.nan
    rows.loc[num_hidden | (gone & rows["indicator_id"].isin(maskable).to_numpy()), "numerator"] = np.nan
    rows.loc[den_hidden, "denominator"] = np.nan
    rows.loc[gone, "masked"] = True
    return rows


def _indicator_relations(values: Mapping, parents: Mapping[str, str] | None, hidden_totals: set) -> list[list]:
    relations: dict = {}
    for key in values:
        (measure, filters, column), place = key
        parent = (parents or {}).get(place[0], "") if parents is not None else ""
        relations.setdefault(("territories", measure, filters, column, parent, place[1:]), []).append(key)
        total = MEASURE_TOTALS.get(measure)
        if total and column in total:
            relations.setdefault(("parts", measure, filters, place), []).append(key)
    out = []
    for (kind, *rest), cells in relations.items():
        cells = sorted(cells, key=str)
        if kind == "territories" and not rest[4] and (tuple(rest[:3]), rest[3]) in hidden_totals:
            cells.insert(0, ("above", tuple(rest[:3]), rest[3]))
        if kind == "parts" and {c[0][2] for c in cells} != {c for c in MEASURE_TOTALS[rest[0]] if c}:
            continue  # a part is not among the figures: the reader cannot solve the relation
        out.append(cells)
    return out
