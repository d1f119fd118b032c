"""Tabular sources: rename -> cast -> validate each raw file into a typed frame, then cross-field rules."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from observatoire import referential
from pipelines.casting import parse_cell
from pipelines.issues import IssueLog
from pipelines.reading import RawFile, match_headers
from pipelines.schemas import REGION_LEVEL_BODIES, Table

PROVENANCE = ["_file", "_line"]


def detect_table(raw: RawFile, candidates: list[Table]) -> Table | None:
    """Pick the table whose required headers the file has (several tables share the convention folder)."""
    best, best_score = None, float("-inf")
    for table in candidates:
        mapping, missing, _ = match_headers(raw.header, table)
        score = len(mapping) - 100 * len(missing)
        if score > best_score:
            best, best_score = table, score
    return best


def cast_file(raw: RawFile, table: Table, log: IssueLog, caches: dict | None = None) -> pd.DataFrame:
    """Typed rows of one file; a row with any error is left out (and logged), warnings keep it.

    `caches` (column -> raw text -> parsed) can be shared by the files of one table."""
    source = table.source
    mapping, missing, unknown = match_headers(raw.header, table)
    if missing:
        log.error(source, raw.name, 1, ", ".join(missing), "", "colonne_manquante",
                  f"Colonne(s) obligatoire(s) absente(s) : {', '.join(missing)}. En-têtes attendus : "
                  f"{';'.join(table.headers)}. Fichier ignoré.")
        return empty_frame(table)
    for label in unknown:
        log.warning(source, raw.name, 1, label, "", "colonne_inconnue",
                    f"Colonne « {label} » non reconnue : ignorée.")
    # Parse each distinct raw value once per column: dates and codes repeat a lot.
    caches = caches if caches is not None else {}
    for column in table.columns:
        caches.setdefault(column.name, {})
    names = [c.name for c in table.columns] + PROVENANCE
    kept: dict[str, list] = {name: [] for name in names}  # one list per column: far lighter than a dict per row
    for line, cells in raw.rows:
        row, bad = {"_file": raw.name, "_line": line}, False
        for col in table.columns:
            index = mapping.get(col.name)
            text = cells[index] if index is not None and index < len(cells) else ""
            if col.kind == "personal":
                row[col.name] = text.strip() or None
                if col.name == "birth_date" and row[col.name]:
                    value, problem = parse_cell("date", text)
                    row[col.name] = value.isoformat() if value else None
                    if problem:  # the value itself is personal data: never copied into the rejects
                        log.error(source, raw.name, line, col.header, "(masqué)", problem[0],
                                  "Date de naissance invalide (attendu jj/mm/aaaa).")
                        bad = True
                if col.required and not row[col.name]:
                    log.error(source, raw.name, line, col.header, "", "valeur_manquante",
                              f"Valeur obligatoire manquante : {col.header}.")
                    bad = True
                continue
            cache = caches[col.name]
            if text not in cache:
                cache[text] = parse_cell(col.kind, text, col.choices)
            value, problem = cache[text]
            if problem:
                code, severity, message = problem
                log.add(source, raw.name, line, col.header, text, code, severity, message)
                bad = bad or severity == "erreur"
            if value is None and col.required and not problem:
                log.error(source, raw.name, line, col.header, "", "valeur_manquante",
                          f"Valeur obligatoire manquante : {col.header}.")
                bad = True
            row[col.name] = value
        if not bad:
            for name in names:
                kept[name].append(row[name])
    return pd.DataFrame(kept, columns=names)


def empty_frame(table: Table) -> pd.DataFrame:
    return pd.DataFrame(columns=[c.name for c in table.columns] + PROVENANCE)


def _drop(frame: pd.DataFrame, mask: pd.Series, log: IssueLog, source: str, column: str, values: pd.Series,
          code: str, message) -> pd.DataFrame:
    """Log an error for each row where mask is true and drop those rows."""
    for (_, row), value in zip(frame[mask].iterrows(), values[mask]):
        log.error(source, row["_file"], row["_line"], column, _fr(value), code,
                  message(row) if callable(message) else message)
    return frame[~mask]


def _warn(frame: pd.DataFrame, mask: pd.Series, log: IssueLog, source: str, column: str, values: pd.Series,
          code: str, message) -> None:
    for (_, row), value in zip(frame[mask].iterrows(), values[mask]):
        log.warning(source, row["_file"], row["_line"], column, _fr(value), code,
                    message(row) if callable(message) else message)


def body_key(frame: pd.DataFrame) -> pd.Series:
    """Identifier of a body: its type plus the establishment's FINESS, or plus its territory code."""
    anchor = frame["finess"].where(frame["finess"].notna(), frame["territory_code"])
    return frame["body_type"].astype(str) + "-" + anchor.astype(str)


def _normalize_territory(frame: pd.DataFrame, log: IssueLog, source: str) -> pd.DataFrame:
    """`code_territoire` is a région code for a CRSA, a département code otherwise; fix lost zeros."""
    codes = frame["territory_code"].astype("object").where(frame["territory_code"].notna(), None)
    regional = frame["body_type"].isin(REGION_LEVEL_BODIES)
    fixed = codes.map(lambda c: "0" + c if isinstance(c, str) and len(c) == 1 and c.isdigit() else c)
    _warn(frame, fixed.ne(codes) & codes.notna(), log, source, "code_territoire", codes, "code_zero_perdu",
          lambda r: f"Code territoire « {r['territory_code']} » complété par un zéro initial.")
    frame = frame.assign(territory_code=fixed)
    known = fixed.where(regional).isin(referential.region_codes()) | fixed.where(~regional).isin(
        referential.department_codes())
    valid = fixed.isna() | known
    frame = _drop(frame, ~valid & fixed.ne("20"), log, source, "code_territoire", fixed, "territoire_inconnu",
                  lambda r: f"Code territoire « {r['territory_code']} » inconnu "
                            f"({'région' if r['body_type'] in REGION_LEVEL_BODIES else 'département'} attendu).")
    frame = _drop(frame, frame["territory_code"].eq("20"), log, source, "code_territoire",
                  frame["territory_code"], "departement_20", "Le département « 20 » n'existe plus : 2A ou 2B.")
    missing = frame["finess"].isna() & frame["territory_code"].isna()
    return _drop(frame, missing, log, source, "finess", frame["finess"], "instance_non_identifiee",
                 "Ni n° FINESS ni code territoire : impossible de rattacher la ligne à une instance.")


def finish_bodies(frame: pd.DataFrame, establishments: pd.DataFrame, log: IssueLog) -> pd.DataFrame:
    source = "instances"
    frame = _normalize_territory(frame, log, source)
    bad_dates = frame["closed_on"].notna() & frame["created_on"].notna() & (frame["closed_on"] < frame["created_on"])
    frame = _drop(frame, bad_dates, log, source, "date_fermeture", frame["closed_on"], "fermeture_avant_creation",
                  "La date de fermeture précède la date de création.")
    frame = frame.assign(body_id=body_key(frame))
    dup = frame.duplicated("body_id", keep="first")
    frame = _drop(frame, dup, log, source, "type_instance", frame["body_id"], "instance_en_double",
                  lambda r: f"Instance {r['body_id']} déjà déclarée plus haut : ligne ignorée.")
    dep_of_finess = dict(zip(establishments["finess"], establishments["department_code"]))
    unknown_finess = frame["finess"].notna() & ~frame["finess"].isin(dep_of_finess.keys())
    if len(establishments):
        _warn(frame, unknown_finess, log, source, "finess", frame["finess"], "finess_absent",
              lambda r: f"N° FINESS {r['finess']} absent de l'extrait FINESS : instance conservée sans localisation "
                        "précise.")
    region_of = referential.region_of_department()
    department = frame["finess"].map(dep_of_finess).astype(object)
    from_finess_prefix = frame["finess"].map(lambda f: _department_from_finess(f) if isinstance(f, str) else None)
    department = department.fillna(from_finess_prefix)
    regional = frame["body_type"].isin(REGION_LEVEL_BODIES)
    department = department.fillna(frame["territory_code"].where(~regional))
    region = department.map(region_of).fillna(frame["territory_code"].where(regional))
    frame = frame.assign(department_code=department, region_code=region)
    return frame


def _department_from_finess(finess: str) -> str | None:
    head = finess[:2]
    if head == "97":
        return {"1": "971", "2": "972", "3": "973", "4": "974", "6": "976"}.get(finess[2])
    return head if head in referential.department_codes() else None


def attach_bodies(frame: pd.DataFrame, bodies: pd.DataFrame, log: IssueLog, source: str) -> pd.DataFrame:
    """Link rows to a declared body (error when none exists)."""
    frame = _normalize_territory(frame, log, source)
    frame = frame.assign(body_id=body_key(frame))
    known = frame["body_id"].isin(bodies["body_id"])
    frame = _drop(frame, ~known, log, source, "finess", frame["body_id"], "instance_inconnue",
                  lambda r: f"Aucune instance {r['body_type']} déclarée pour "
                            f"{r['finess'] if isinstance(r['finess'], str) else r['territory_code']} dans instances.")
    department = dict(zip(bodies["body_id"], bodies["department_code"]))
    region = dict(zip(bodies["body_id"], bodies["region_code"]))
    return frame.assign(department_code=frame["body_id"].map(department).astype(object),
                        region_code=frame["body_id"].map(region).astype(object))


def finish_mandates(frame: pd.DataFrame, bodies: pd.DataFrame, log: IssueLog) -> pd.DataFrame:
    source = "nominations"
    frame = attach_bodies(frame, bodies, log, source)
    backwards = frame["planned_end_date"] < frame["start_date"]
    frame = _drop(frame, backwards, log, source, "date_fin", frame["planned_end_date"], "fin_avant_debut",
                  lambda r: f"Fin du mandat ({_fr(r['planned_end_date'])}) antérieure au début "
                            f"({_fr(r['start_date'])}).")
    early_bad = frame["early_end_date"].notna() & (frame["early_end_date"] < frame["start_date"])
    frame = _drop(frame, early_bad, log, source, "date_fin_anticipee", frame["early_end_date"],
                  "fin_anticipee_avant_debut", "La fin anticipée précède le début du mandat.")
    seats = bodies.set_index("body_id")
    role_seats = seats["seats_titular"].reindex(frame["body_id"]).to_numpy()
    role_seats = pd.Series(role_seats, index=frame.index).where(
        frame["role"].eq("titulaire"), seats["seats_substitute"].reindex(frame["body_id"]).to_numpy())
    frame = _drop(frame, role_seats.fillna(0).eq(0), log, source, "role", frame["role"], "role_sans_siege",
                  lambda r: f"L'instance {r['body_id']} n'a aucun siège de {r['role']}.")
    end = frame["planned_end_date"].where(
        frame["early_end_date"].isna() | (frame["planned_end_date"] <= frame["early_end_date"]), frame["early_end_date"])
    frame = frame.assign(end_date=end)
    return frame


def warn_over_seated(mandates: pd.DataFrame, bodies: pd.DataFrame, log: IssueLog) -> None:
    """More overlapping active mandates than seats on a body and role: warn once per body and role."""
    if mandates.empty:
        return
    events = pd.concat([
        mandates[["body_id", "role", "start_date"]].rename(columns={"start_date": "day"}).assign(delta=1),
        mandates[["body_id", "role", "end_date"]].assign(day=lambda d: d["end_date"] + dt.timedelta(days=1))
        .drop(columns="end_date").assign(delta=-1),
    ]).groupby(["body_id", "role", "day"], as_index=False)["delta"].sum().sort_values(["body_id", "role", "day"])
    events["active"] = events.groupby(["body_id", "role"])["delta"].cumsum()
    peak = events.groupby(["body_id", "role"], as_index=False).agg(active=("active", "max"))
    seats = bodies.set_index("body_id")
    peak["seats"] = [seats.at[b, "seats_titular" if r == "titulaire" else "seats_substitute"]
                     for b, r in zip(peak["body_id"], peak["role"])]
    first_line = mandates.groupby(["body_id", "role"])[["_file", "_line"]].first()
    for _, row in peak[peak["active"] > peak["seats"]].iterrows():
        file, line = first_line.loc[(row["body_id"], row["role"])]
        log.warning("nominations", file, line, "type_instance", row["body_id"], "sieges_depasses",
                    f"{row['body_id']} : jusqu'à {row['active']} mandats de {row['role']} actifs en même temps pour "
                    f"{row['seats']} siège(s).")


def finish_trainings(frame: pd.DataFrame, log: IssueLog) -> pd.DataFrame:
    return frame.assign(region_code=frame["department_code"].map(referential.region_of_department()))


def finish_meetings(frame: pd.DataFrame, bodies: pd.DataFrame, log: IssueLog) -> pd.DataFrame:
    source = "seances"
    frame = attach_bodies(frame, bodies, log, source)
    over = frame["ru_present"] > frame["ru_expected"]
    return _drop(frame, over, log, source, "ru_presents", frame["ru_present"], "presents_superieur_attendus",
                 lambda r: f"{r['ru_present']} RU présents pour {r['ru_expected']} attendus.")


def finish_surveys(frame: pd.DataFrame, log: IssueLog) -> pd.DataFrame:
    source = "enquetes"
    out_of_range = frame["percent"].notna() & ((frame["percent"] < 0) | (frame["percent"] > 100))
    frame = _drop(frame, out_of_range, log, source, "pourcentage", frame["percent"], "pourcentage_hors_bornes",
                  "Un pourcentage doit être compris entre 0 et 100.")
    over = frame["count"].notna() & frame["base"].notna() & (frame["count"] > frame["base"])
    return _drop(frame, over, log, source, "effectif", frame["count"], "effectif_superieur_base",
                 "L'effectif dépasse la base de répondants.")


def finish_campaigns(frame: pd.DataFrame, log: IssueLog) -> pd.DataFrame:
    backwards = frame["closes_on"] < frame["opens_on"]
    return _drop(frame, backwards, log, "campagnes", "date_cloture", frame["closes_on"], "cloture_avant_ouverture",
                 "La clôture précède l'ouverture de la campagne.")


def finish_period(frame: pd.DataFrame, log: IssueLog, source: str, start: str, end: str, header: str) -> pd.DataFrame:
    backwards = frame[end] < frame[start]
    return _drop(frame, backwards, log, source, header, frame[end], "fin_avant_debut",
                 "La date de fin précède la date de début.")


def _fr(value) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else str(value)
