"""The partnership projects register (seed 002): forms of engagement, the searchable list, counts by form."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pandas as pd

from observatoire.base import referential
from observatoire.base.db import Scope, Store
from observatoire.base.vocabulary import PROJECT_FORMS


def read_projects(store: Store, scope: Scope) -> pd.DataFrame:
    """Every project of the register in the territory (régional projects have no département)."""
    if not store.has("projects"):
        return pd.DataFrame(columns=["project_id", "title", "finess", "territory_code", "forms", "initiator",
                                     "involves_ru", "start_date", "end_date", "status", "link", "department_code",
                                     "region_code", "establishment"])
    where, params = scope.where("p") if scope.level != "etablissement" else ("TRUE", [])
    return store.df(f"""
        SELECT p.*, e.name AS establishment FROM projects p LEFT JOIN establishments e ON e.finess = p.finess
        WHERE {where} ORDER BY p.start_date DESC, p.project_id""", params)


def forms_label(codes) -> str:
    return " · ".join(PROJECT_FORMS.get(c, c) for c in (codes if codes is not None else []))


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text))
    return re.sub(r"\s+", " ", "".join(c for c in text if not unicodedata.combining(c)).lower()).strip()


def is_active(frame: pd.DataFrame, as_of: dt.date) -> pd.Series:
    """The catalogue's rule (measures.projects) on a list of projects."""
    start = pd.to_datetime(frame["start_date"])
    end = pd.to_datetime(frame["end_date"])
    day = pd.Timestamp(as_of)
    return (start <= day) & (end.isna() | (end >= day)) & (frame["status"] != "abandonné")


def register_list(frame: pd.DataFrame, as_of: dt.date, search: str = "", active_only: bool = False) -> pd.DataFrame:
    """The list shown and exported: French labels, where the project is, whether it is active on the date;
    `search` keeps the projects whose title, forms, initiator, place or identifier contain every word
    (case and accents ignored)."""
    out = frame.copy()
    out["forms_label"] = out["forms"].map(forms_label)
    out["ru_label"] = out["involves_ru"].map({True: "oui", False: "non"})
    departments, regions = referential.names("departement"), referential.names("region")
    out["place"] = [(f"{e} ({d})" if isinstance(e, str) else f"{departments.get(d, d)} ({d})")
                    if isinstance(d, str) else f"{regions.get(r, r)} (région)"
                    for e, d, r in zip(out["establishment"], out["department_code"], out["region_code"])]
    out["active"] = is_active(out, as_of)
    out["active_label"] = out["active"].map({True: "oui", False: "non"})
    out["start_date"] = pd.to_datetime(out["start_date"]).dt.date
    out["end_date"] = [d.date() if pd.notna(d) else None for d in pd.to_datetime(out["end_date"])]
    if active_only:
        out = out[out["active"]]
    words = _fold(search).split()
    if words:
        haystack = (out["project_id"].astype(str) + " " + out["title"].astype(str) + " " + out["forms_label"] + " "
                    + out["initiator"].fillna("").astype(str) + " " + out["place"]).map(_fold)
        out = out[[all(w in h for w in words) for h in haystack]]
    return out.reset_index(drop=True)


def by_form(frame: pd.DataFrame) -> pd.DataFrame:
    """indicators.compute(..., by=("form",)) -> French labels, most frequent first."""
    out = frame.assign(form_label=frame["form"].map(PROJECT_FORMS).fillna(frame["form"]))
    return out.sort_values(["value", "form_label"], ascending=[False, True]).reset_index(drop=True)


def series_dates(as_of: dt.date, years: int = 4) -> list[dt.date]:
    """The 1st of each quarter over the last `years` years, and the as-of date."""
    day = dt.date(as_of.year - years, 3 * ((as_of.month - 1) // 3) + 1, 1)
    dates = []
    while day <= as_of:
        dates.append(day)
        day = dt.date(day.year + (day.month + 2) // 12, (day.month + 2) % 12 + 1, 1)
    return dates + ([as_of] if dates[-1] != as_of else [])


def covered_regions(store: Store) -> set[str]:
    """Régions with at least one project in the register (the register is filled région by région)."""
    if not store.has("projects"):
        return set()
    return set(store.df("SELECT DISTINCT region_code FROM projects WHERE region_code IS NOT NULL")["region_code"])


def with_zero_counts(values: pd.DataFrame, codes: list[str], covered: set[str]) -> pd.DataFrame:
    """A count per département where a département of a région the register covers, but without any project, has
    0 projects; outside those régions the register says nothing (no data)."""
    present = set(values["territory_code"])
    region_of = referential.region_of_department()
    zeros = pd.DataFrame({"territory_code": [c for c in codes if c not in present and region_of.get(c) in covered],
                          "value": 0.0, "numerator": 0.0, "masked": False})
    return pd.concat([values, zeros], ignore_index=True) if len(zeros) else values
