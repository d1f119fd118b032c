"""Survey results in long format: confidence intervals, shares with their bases, count tables by territory.

Everything is driven by the rows of the `surveys` table, so a new survey file dropped in data/raw/enquetes gets
its sections without code: a question answered by shares (option « oui », « non »…) becomes bars with a 95 %
confidence interval when the base is known, plus a map of its main option (« oui », else the first) when at least
two départements or régions answer it; a question answered by counts (option « nombre ») per département or
région becomes a map and a table with the survey's totals.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from observatoire.base import formatting, referential
from observatoire.base.dates import is_missing
from observatoire.base.stats import confidence_bounds, confidence_interval
from observatoire.base.vocabulary import CONVENIENCE_SAMPLE
from observatoire.domain import territorial

COUNT_OPTION = "nombre"
QUESTION_LABELS = {
    "connait_ru": "Savent qu'il existe des représentants des usagers dans les établissements de santé",
    "connait_cdu": "Connaissent la commission des usagers (CDU)",
    "repondants": "Répondants",
    "projets_en_cours_ou_a_venir": "Projets en cours ou à venir",
    "projet_implique_un_ru": "Projets impliquant au moins un représentant des usagers",
    "ru_et_patients_partenaires_memes_missions":
        "Répondants pour qui RU et patients partenaires ont plus ou moins les mêmes missions",
}
LEVEL_ORDER = {"national": 0, "region": 1, "departement": 2}


def question_label(code: str) -> str:
    """French label of a question code; an unknown code reads as a sentence (« acces_aux_soins » -> « Acces aux
    soins »)."""
    if code in QUESTION_LABELS:
        return QUESTION_LABELS[code]
    text = str(code).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def territory_label(level: str, code) -> str:
    if level == "national" or code is None or (isinstance(code, float) and pd.isna(code)):
        return referential.NATIONAL_NAME if level == "national" else "–"
    return referential.names(level).get(code, code)


def ci_text(percent, base, sampling=None) -> str:
    """« 28,5–31,5 % (n = 3 690) », or a plain statement of why there is no interval (base unknown, or a
    convenience sample: the association network's members who answered, not a random sample)."""
    if sampling == CONVENIENCE_SAMPLE:
        return (f"échantillon de convenance (n = {formatting.number(base)}) : pas d'intervalle de confiance"
                if not is_missing(base) else "échantillon de convenance : pas d'intervalle de confiance")
    interval = confidence_interval(percent, base)
    if interval is None:
        return "base non publiée : pas d'intervalle de confiance"
    low, high = interval
    return f"{formatting.number(low, 1)}–{formatting.percent(high)} (n = {formatting.number(base)})"


def surveys_in_order(frame: pd.DataFrame) -> list[str]:
    """Survey names, those with national results first, then the most recent."""
    if frame.empty:
        return []
    keys = frame.assign(_level=frame["level"].map(LEVEL_ORDER)).groupby("survey").agg(
        level=("_level", "min"), year=("year", "max"))
    return list(keys.sort_values(["level", "year"], ascending=[True, False], kind="stable").index)


def survey_summary(frame: pd.DataFrame, survey: str) -> dict:
    rows = frame[frame["survey"] == survey]
    return {"years": sorted(int(y) for y in rows["year"].unique()),
            "levels": sorted(rows["level"].unique(), key=LEVEL_ORDER.get),
            "questions": list(dict.fromkeys(rows["question"]))}


def share_rows(frame: pd.DataFrame, survey: str) -> pd.DataFrame:
    """Questions answered by shares: one row per question, option, territory and year with its base and interval,
    ordered so that a région sits beside the national value of the same year."""
    rows = frame[(frame["survey"] == survey) & frame["percent"].notna()
                 & (frame["option"].str.lower() != COUNT_OPTION)].copy()
    if rows.empty:
        return rows.assign(question_label="", territory_name="", bar_label="", ci_low=np.nan, ci_high=np.nan,
                           ci="", base_known=False)
    rows["question_label"] = rows["question"].map(question_label)
    rows["territory_name"] = [territory_label(lv, c) for lv, c in zip(rows["level"], rows["territory_code"])]
    multi_option = rows.groupby("question")["option"].transform("nunique") > 1
    rows["bar_label"] = [f"{t} {y}" + (f" – {o}" if m else "") for t, y, o, m in
                         zip(rows["territory_name"], rows["year"], rows["option"], multi_option)]
    sampling = rows["sampling"] if "sampling" in rows else pd.Series(None, index=rows.index, dtype=object)
    random = sampling.ne(CONVENIENCE_SAMPLE)
    low, high = confidence_bounds(rows["percent"], rows["base"])
    rows["ci_low"], rows["ci_high"] = low.where(random), high.where(random)
    rows["base_known"] = rows["base"].notna() & (rows["base"] > 0)
    rows["ci"] = [ci_text(p, b, s) for p, b, s in zip(rows["percent"], rows["base"], sampling)]
    rows["_level"] = rows["level"].map(LEVEL_ORDER)
    rows = rows.sort_values(["question", "year", "_level", "territory_code", "option"], kind="stable")
    return rows.drop(columns="_level").reset_index(drop=True)


def count_questions(frame: pd.DataFrame, survey: str) -> list[str]:
    """Questions answered by counts per département or région (option « nombre »)."""
    rows = frame[(frame["survey"] == survey) & (frame["option"].str.lower() == COUNT_OPTION)
                 & frame["level"].isin(["departement", "region"]) & frame["count"].notna()]
    return list(dict.fromkeys(rows["question"]))


def count_level(frame: pd.DataFrame, survey: str) -> str | None:
    """The finest level at which the survey gives counts (departement before region)."""
    rows = frame[(frame["survey"] == survey) & (frame["option"].str.lower() == COUNT_OPTION)]
    for level in ("departement", "region"):
        if (rows["level"] == level).any():
            return level
    return None


def count_table(frame: pd.DataFrame, survey: str) -> tuple[pd.DataFrame, dict[str, dict]]:
    """(one row per territory of the finest level with each count question's count and published share,
    {question: {total, total_share, most, none}}). Totals come from the survey's own row one level up when
    published (the AURA table's 152 and 96), else from the sum."""
    level = count_level(frame, survey)
    questions = count_questions(frame, survey)
    rows = frame[(frame["survey"] == survey) & (frame["option"].str.lower() == COUNT_OPTION)]
    year = int(rows["year"].max()) if len(rows) else None
    rows = rows[rows["year"] == year]
    fine = rows[rows["level"] == level]
    table = pd.DataFrame({"territory_code": sorted(fine["territory_code"].dropna().unique())})
    table["territory_name"] = table["territory_code"].map(lambda c: territory_label(level, c))
    facts: dict[str, dict] = {}
    for question in questions:
        part = fine[fine["question"] == question].set_index("territory_code")
        table[f"{question}__count"] = table["territory_code"].map(part["count"]).astype(float)
        table[f"{question}__percent"] = table["territory_code"].map(part["percent"]).astype(float)
        counts = table.set_index("territory_name")[f"{question}__count"].dropna()
        upper = rows[(rows["question"] == question) & (rows["level"] != level)]
        total = float(upper["count"].iloc[0]) if len(upper) and pd.notna(upper["count"].iloc[0]) else \
            float(counts.sum())
        most = counts[counts == counts.max()].index.tolist() if len(counts) and counts.max() > 0 else []
        facts[question] = {"total": total, "sum": float(counts.sum()), "most": most,
                           "most_count": float(counts.max()) if len(counts) else None,
                           "none": counts[counts == 0].index.tolist(), "label": question_label(question)}
    # The largest count first (respondents before projects, as in the survey's own table).
    order = sorted(facts, key=lambda q: -facts[q]["total"])
    facts = {q: facts[q] for q in order}
    table = table[["territory_code", "territory_name", *[f"{q}__{k}" for q in order for k in ("count", "percent")]]]
    return table, facts


def with_total(table: pd.DataFrame, facts: dict[str, dict]) -> pd.DataFrame:
    """The count table with the survey's total row (100 % for each share)."""
    total = {"territory_code": "", "territory_name": "Total"}
    for question, fact in facts.items():
        total[f"{question}__count"] = fact["total"]
        total[f"{question}__percent"] = 100.0
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def count_columns(questions: list[str]) -> dict[str, tuple[str, str]]:
    """Display columns of count_table: name -> (French label, kind)."""
    columns = {"territory_name": ("Territoire", "text")}
    for question in questions:
        columns[f"{question}__count"] = (question_label(question), "int")
        columns[f"{question}__percent"] = (f"Part – {question_label(question).lower()}", "percent2")
    return columns


def count_map_values(table: pd.DataFrame, question: str) -> pd.DataFrame:
    """count_table -> the indicator-shaped frame territorial.choropleth_frame expects."""
    values = table[f"{question}__count"]
    return pd.DataFrame({"territory_code": table["territory_code"], "territory_name": table["territory_name"],
                         "value": values, "numerator": values, "denominator": np.nan, "masked": False,
                         "unit": "réponses"})


def region_of_codes(level: str, codes) -> str | None:
    """The région holding every département of a count table (None when several or at région level)."""
    if level != "departement":
        return None
    regions = {referential.region_of_department().get(c) for c in codes}
    return regions.pop() if len(regions) == 1 else None


MAIN_OPTIONS = ("oui",)
MAP_LEVELS = ("departement", "region")


def main_option(options) -> str | None:
    """The option a share map shows: « oui » when the question has it, else the first option given."""
    options = [o for o in dict.fromkeys(options) if isinstance(o, str) and o]
    for option in options:
        if option.strip().lower() in MAIN_OPTIONS:
            return option
    return options[0] if options else None


def share_map(rows: pd.DataFrame) -> dict | None:
    """The map of one share question (share_rows of that question): the share of its main option per territory
    at the finest level (département before région) where at least 2 territories have a value, latest year of
    that level. {level, option, year, values} with `values` shaped as territorial.choropleth_frame expects
    (value = percent, denominator = base); None when no level has 2 territories (a national-only question)."""
    option = main_option(rows["option"]) if len(rows) else None
    if option is None:
        return None
    chosen = rows[(rows["option"] == option) & rows["percent"].notna() & rows["territory_code"].notna()]
    for level in MAP_LEVELS:
        part = chosen[chosen["level"] == level]
        if part.empty:
            continue
        year = int(part["year"].max())
        part = part[part["year"] == year].drop_duplicates("territory_code")
        if part["territory_code"].nunique() < 2:
            continue
        values = pd.DataFrame({
            "territory_code": part["territory_code"].astype(str).tolist(),
            "territory_name": [territory_label(level, c) for c in part["territory_code"]],
            "value": pd.to_numeric(part["percent"], errors="coerce").astype(float).tolist(),
            "numerator": np.nan, "denominator": pd.to_numeric(part["base"], errors="coerce").astype(float).tolist(),
            "masked": False, "unit": "%"})
        return {"level": level, "option": option, "year": year, "values": values}
    return None


def share_map_title(label: str, option: str, year: int) -> str:
    """« Connaissent la CDU – part « oui » (2025) »: the legend title of a share map (narrow no-break spaces
    inside the quotes, so that the wrapped colour bar title keeps « oui » whole)."""
    return f"{label} – part «{formatting.NBSP}{option}{formatting.NBSP}» ({year})"


def sections(frame: pd.DataFrame) -> list[dict]:
    """Everything the Enquêtes page draws, survey by survey, computed once per store (queries.survey_sections):
    {survey, summary, count: {level, region, facts, shown, columns, maps: {question: frame}} or None,
    shares, questions: [{question, rows, map: {level, region, label, frame} or None}]}."""

    out = []
    for survey in surveys_in_order(frame):
        section = {"survey": survey, "summary": survey_summary(frame, survey), "count": None}
        if count_questions(frame, survey):
            level = count_level(frame, survey)
            table, facts = count_table(frame, survey)
            region = region_of_codes(level, table["territory_code"])
            codes = territorial.map_codes(level, region)
            section["count"] = {
                "level": level, "region": region, "facts": facts, "shown": with_total(table, facts),
                "columns": count_columns(list(facts)),
                "maps": {q: territorial.choropleth_frame(count_map_values(table, q), level, codes, "higher_is_better",
                                                         None, unit="réponses") for q in facts}}
        shares = share_rows(frame, survey)
        section["shares"] = shares
        section["questions"] = []
        for question, rows in shares.groupby("question", sort=False):
            found = share_map(rows)
            drawn = None
            if found is not None:
                region = region_of_codes(found["level"], found["values"]["territory_code"])
                drawn = {"level": found["level"], "region": region,
                         "label": share_map_title(rows["question_label"].iloc[0], found["option"], found["year"]),
                         "frame": territorial.choropleth_frame(found["values"], found["level"],
                                                               territorial.map_codes(found["level"], region),
                                                               "higher_is_better", None, unit="%")}
            section["questions"].append({"question": question, "rows": rows.reset_index(drop=True), "map": drawn})
        out.append(section)
    return out
