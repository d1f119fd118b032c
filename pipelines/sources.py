"""Tabular sources: rename -> cast -> validate each raw file into a typed frame, then cross-field rules."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import replace

import pandas as pd

from observatoire.base import referential
from observatoire.base.formatting import number
from observatoire.base.vocabulary import REGION_LEVEL_BODIES
from pipelines.casting import parse_cell, parse_end_reason, plausible_age, plausible_date
from pipelines.issues import IssueLog
from pipelines.reading import RawFile, match_headers, normalize_label
from pipelines.schemas import PROJECT_FORMS, TABLES, Table

PROVENANCE = ["_file", "_line"]


def detect_table(raw: RawFile, candidates: list[Table]) -> Table | None:
    """Pick the table whose required headers the file has (several tables share the convention folder)."""
    return _best_table(raw.header, candidates)


def _best_table(header: list[str], candidates: list[Table]) -> Table | None:
    best, best_score = None, float("-inf")
    for table in candidates:
        mapping, missing, _ = match_headers(header, table)
        score = len(mapping) - 100 * len(missing)
        if score > best_score:
            best, best_score = table, score
    return best


# A header may sit below a title and a few notes: the first rows are scanned for it.
HEADER_SCAN_LINES = 10


def locate_header(raw: RawFile, candidates: list[Table], log: IssueLog | None = None) -> tuple[RawFile, Table]:
    """The file read from its real header line and its table. When the first line lacks required columns, the
    first HEADER_SCAN_LINES lines are scanned for a complete header (a title row above it is common); the lines
    above it are ignored, with a warning at the header's line."""
    table = _best_table(raw.header, candidates)
    if not match_headers(raw.header, table)[1]:
        return raw, table
    for line, cells in raw.rows:
        if line > raw.header_line + HEADER_SCAN_LINES:
            break
        header = [c.strip() for c in cells]
        found = _best_table(header, candidates)
        if match_headers(header, found)[1]:
            continue
        if log is not None:
            log.warning(found.source, raw.name, line, "", "", "entete_decale",
                        f"Ligne d'en-tête trouvée en ligne {line} : les lignes {raw.header_line} à {line - 1} "
                        "au-dessus (titre, notes) ne sont pas lues.")
        return replace(raw, header=header, header_line=line, rows=[r for r in raw.rows if r[0] > line],
                       duplicates={k: v for k, v in raw.duplicates.items() if k > line},
                       problems=[p for p in raw.problems if p.line is None or p.line > line],
                       bad_lines={b for b in raw.bad_lines if b > line}), found
    return raw, table


def log_read_problems(raw: RawFile, source: str, log: IssueLog) -> None:
    """Damage found while reading (bytes that are not UTF-8, an unclosed quote, a huge cell, a hidden sheet)."""
    for problem in raw.problems:
        column = raw.header[problem.column] if problem.column is not None and problem.column < len(raw.header) else ""
        log.add(source, raw.name, problem.line, column, problem.value, problem.code, problem.severity,
                problem.message_fr)


def cast_file(raw: RawFile, table: Table, log: IssueLog, caches: dict | None = None) -> pd.DataFrame:
    """Typed rows of one file; a row with any error is left out (and logged), warnings keep it.

    `caches` (column -> raw text -> parsed) can be shared by the files of one table."""
    source, file_name = table.source, raw.name
    log_read_problems(raw, source, log)
    mapping, missing, unknown = match_headers(raw.header, table)
    if missing:
        log.error(source, file_name, raw.header_line, ", ".join(missing), "", "colonne_manquante",
                  f"Colonne(s) obligatoire(s) absente(s) : {', '.join(missing)}. En-têtes attendus : "
                  f"{';'.join(table.headers)}. Fichier ignoré. La ligne d'en-tête doit être l'une des "
                  f"{HEADER_SCAN_LINES} premières lignes du fichier (ici, la ligne {raw.header_line} a été lue "
                  "comme en-tête).")
        return empty_frame(table)
    for label in unknown:
        log.warning(source, file_name, raw.header_line, label, "", "colonne_inconnue",
                    f"Colonne « {label} » non reconnue : ignorée.")
    # Parse each distinct raw value once per column: dates and codes repeat a lot.
    caches = caches if caches is not None else {}
    for column in table.columns:
        caches.setdefault(column.name, {})
    names = [c.name for c in table.columns] + PROVENANCE
    kept: dict[str, list] = {name: [] for name in names}  # one list per column: far lighter than a dict per row
    today = dt.date.today()
    bad_lines, formulas = raw.bad_lines, raw.formula_cells
    for line, cells in raw.rows:
        if bad_lines and line in bad_lines:
            continue  # reported while reading
        row, bad = {"_file": file_name, "_line": line}, False
        uncomputed = formulas.get(line) if formulas else None
        for col in table.columns:
            index = mapping.get(col.name)
            text = cells[index] if index is not None and index < len(cells) else ""
            if uncomputed and index in uncomputed and not text.strip():
                log.error(source, file_name, line, col.header, uncomputed[index], "formule_sans_valeur",
                          f"Cellule {uncomputed[index]} : formule sans valeur calculée (classeur écrit par un "
                          "programme, jamais recalculé). Ouvrez-le dans Excel ou LibreOffice, enregistrez-le, puis "
                          "déposez-le à nouveau.")
                bad = True
                continue
            if col.kind == "personal":
                row[col.name] = text.strip() or None
                if col.name == "birth_date" and row[col.name]:
                    value, problem = parse_cell("date", text)
                    row[col.name] = value.isoformat() if value else None
                    if problem:  # the value itself is personal data: never copied into the rejects
                        log.error(source, file_name, line, col.header, "(masqué)", problem[0],
                                  "Date de naissance invalide (attendu jj/mm/aaaa).")
                        bad = True
                if col.required and not row[col.name]:
                    log.error(source, file_name, line, col.header, "", "valeur_manquante",
                              f"Valeur obligatoire manquante : {col.header}.")
                    bad = True
                continue
            if col.kind == "end_reason":
                row[col.name] = _end_reason(text, log, source, file_name, line, col.header)
                continue
            cache = caches[col.name]
            if text not in cache:
                cache[text] = _parse_plausible(col.kind, text, col.choices, today)
            value, problem = cache[text]
            if problem:
                code, severity, message = problem
                log.add(source, file_name, line, col.header, text, code, severity, message)
                bad = bad or severity == "erreur"
            if value is None and col.required and not problem:
                log.error(source, file_name, line, col.header, "", "valeur_manquante",
                          f"Valeur obligatoire manquante : {col.header}.")
                bad = True
            row[col.name] = value
        if not bad and row.get("birth_date"):
            bad = _implausible_age(row, log, source, file_name, line, table, today)
        if not bad:
            for name in names:
                kept[name].append(row[name])
    return pd.DataFrame(kept, columns=names)


def _parse_plausible(kind: str, text: str, choices: tuple[str, ...], today: dt.date):
    value, problem = parse_cell(kind, text, choices)
    if kind == "date" and problem is None:
        problem = plausible_date(value, today)
        if problem:
            value = None
    return value, problem


def _end_reason(text: str, log: IssueLog, source: str, file: str, line: int, header: str) -> str | None:
    """Closed-list end reason; free text (it may name someone) is dropped, counted, never copied anywhere."""
    reason, dropped = parse_end_reason(text)
    if dropped:
        log.warning(source, file, line, header, "(masqué)", "motif_texte_libre",
                    f"Motif de fin en texte libre : classé « {reason} », le texte n'est pas conservé "
                    "(valeurs possibles : décès, démission, fin de mandat, incompatibilité, autre).")
    return reason


def _implausible_age(row: dict, log: IssueLog, source: str, file: str, line: int, table: Table,
                     today: dt.date) -> bool:
    """Age on the mandate start or session date (today when absent) must be plausible."""
    on = row.get("start_date") or row.get("session_date") or today
    problem = plausible_age(dt.date.fromisoformat(row["birth_date"]), on)
    if problem:
        log.error(source, file, line, table.column("birth_date").header, "(masqué)", problem[0], problem[2])
    return problem is not None


def report_duplicate_rows(raw: RawFile, source: str, log: IssueLog) -> int:
    """One warning per repeated line of a file (set aside while reading), with how many copies; return the number
    of copies. The line's content is not copied into the rejects: it may hold names."""
    for first, (count, first_copy, last_copy) in raw.duplicates.items():
        where = f"ligne {first_copy}" if count == 1 else f"{number(count)} copies, lignes {first_copy} à {last_copy}"
        log.add(source, raw.name, first_copy, "", "", "ligne_en_double", "avertissement",
                f"Ligne identique à la ligne {first} ({where}) : comptée une fois.", kept=False)
    return sum(copies for copies, _, _ in raw.duplicates.values())


def empty_frame(table: Table) -> pd.DataFrame:
    return pd.DataFrame(columns=[c.name for c in table.columns] + PROVENANCE)


def _drop(frame: pd.DataFrame, mask: pd.Series, log: IssueLog, source: str, column: str, values: pd.Series,
          code: str, message) -> pd.DataFrame:
    """Log an error for each row where mask is true and drop those rows (no copy when none is dropped)."""
    if not mask.any():
        return frame
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
    frame = drop_implausible_seats(frame, log, source)
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


# Sane upper bound of seats of each kind per body type (a CDU has 2 + 2 by law; a CRSA a few dozen).
MAX_SEATS = {"CDU": 10, "CVS": 30, "CS": 10, "CRSA": 150, "CTS": 60, "CDCA": 60, "autre": 200}


def drop_implausible_seats(frame: pd.DataFrame, log: IssueLog, source: str) -> pd.DataFrame:
    bound = frame["body_type"].map(MAX_SEATS).fillna(max(MAX_SEATS.values()))
    for column, header, noun in (("seats_titular", "sieges_titulaires", "titulaires"),
                                 ("seats_substitute", "sieges_suppleants", "suppléants")):
        seats = pd.to_numeric(frame[column], errors="coerce")
        too_many = seats.notna() & (seats > bound)
        frame = _drop(frame, too_many, log, source, header, frame[column], "sieges_invraisemblables",
                      lambda r, c=column, n=noun: f"{r[c]} sièges de {n} pour une instance {r['body_type']} : "
                                                  f"invraisemblable (au plus {MAX_SEATS.get(r['body_type'], 200)}).")
        bound = bound[frame.index]
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
    # Arrow-backed strings: a Python object per cell would cost a hundred bytes a row at stress scale.
    return frame.assign(department_code=frame["body_id"].map(department).astype("str"),
                        region_code=frame["body_id"].map(region).astype("str"))


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


def reject_overlapping_mandates(frame: pd.DataFrame, log: IssueLog) -> pd.DataFrame:
    """The same person twice on one body over overlapping dates (two seats of one role, or titulaire and his or
    her own suppléant) is a typing error: of two overlapping mandates the one starting later (or, on the same day,
    the later line) is rejected at its line, naming the other. Needs `person_key`."""
    pair = ["body_id", "person_key"]
    if frame.empty or "person_key" not in frame:
        return frame
    repeated = frame.duplicated(pair, keep=False)
    if not repeated.any():
        return frame
    rows = frame.loc[repeated, [*pair, "role", "start_date", "end_date", "_file", "_line"]]
    rows = rows.assign(_start=pd.to_datetime(rows["start_date"]), _end=pd.to_datetime(rows["end_date"]))
    rows = rows.sort_values([*pair, "_start", "_file", "_line"], kind="stable")
    # Cheap first pass: a mandate starting before the latest end of the earlier ones of its pair.
    latest_end = rows.assign(_max=rows.groupby(pair, sort=False)["_end"].cummax()).groupby(pair, sort=False)[
        "_max"].shift()
    suspect = rows["_start"] <= latest_end
    if not suspect.any():
        return frame
    pairs = set(zip(rows.loc[suspect, "body_id"], rows.loc[suspect, "person_key"]))
    rows = rows[[p in pairs for p in zip(rows["body_id"], rows["person_key"])]]
    rejected: dict = {}
    for _, group in rows.groupby(pair, sort=False):
        kept: list = []
        for index, start, end in zip(group.index, group["_start"], group["_end"]):
            other = next((k for k in kept if start <= k[2]), None)
            if other is None:
                kept.append((index, start, end))
            else:
                rejected[index] = other[0]
    for index in sorted(rejected, key=lambda i: (frame.at[i, "_file"], frame.at[i, "_line"])):
        row, other = frame.loc[index], frame.loc[rejected[index]]
        where = f"ligne {other['_line']}" + (f" de {other['_file']}" if other["_file"] != row["_file"] else "")
        if row["role"] == other["role"]:
            message = (f"Même personne déjà désignée {row['role']} de {row['body_id']} du {_fr(other['start_date'])} "
                       f"au {_fr(other['end_date'])} ({where}) : deux mandats qui se chevauchent sur la même "
                       "instance, ligne écartée.")
        else:
            message = (f"Même personne désignée titulaire et suppléant de {row['body_id']} sur des périodes qui se "
                       f"chevauchent ({where}, du {_fr(other['start_date'])} au {_fr(other['end_date'])}) : une "
                       "personne ne peut pas être sa propre suppléante, ligne écartée.")
        log.error("nominations", row["_file"], row["_line"], "date_debut", _fr(row["start_date"]),
                  "mandat_chevauchant", message)
    return frame.drop(index=list(rejected))


def finish_trainings(frame: pd.DataFrame, log: IssueLog) -> pd.DataFrame:
    return frame.assign(region_code=frame["department_code"].map(referential.region_of_department()))


def finish_meetings(frame: pd.DataFrame, bodies: pd.DataFrame, log: IssueLog) -> pd.DataFrame:
    source = "seances"
    frame = attach_bodies(frame, bodies, log, source)
    # A suppléant sits in place of an absent titulaire: no more RU can be expected than the body's titular seats.
    seats = dict(zip(bodies["body_id"], bodies["seats_titular"])) if "seats_titular" in bodies else {}
    titular = frame["body_id"].map(seats)
    beyond = pd.to_numeric(frame["ru_expected"], errors="coerce") > pd.to_numeric(titular, errors="coerce")
    frame = _drop(frame, beyond, log, source, "ru_attendus", frame["ru_expected"], "attendus_superieur_titulaires",
                  lambda r: f"{r['ru_expected']} RU attendus pour une instance de {_seats(r, titular)} siège(s) de "
                            "titulaire : un suppléant siège à la place d'un titulaire absent, les RU attendus ne "
                            "dépassent jamais les sièges de titulaires.")
    over = frame["ru_present"] > frame["ru_expected"]
    return _drop(frame, over, log, source, "ru_presents", frame["ru_present"], "presents_superieur_attendus",
                 lambda r: f"{r['ru_present']} RU présents pour {r['ru_expected']} attendus.")


def _seats(row, seats: pd.Series) -> str:
    return str(int(seats.get(row.name))) if row.name in seats.index else "?"


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


HISTORY_COLUMNS = ["convention_id", "action_id", "status_date", "status", "comment"]


def finish_actions(frame: pd.DataFrame, log: IssueLog) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(actions, action_history): several rows of one action are its dated status changes.

    `actions` keeps one row per action: the definition and status of its latest row (an undated row is the
    status at the build date, so it comes after every dated one), with `status_date` the latest date given.
    `action_history` keeps every row (status_date empty when undated); of two rows of one action on the same
    date, or two undated rows, the later one in the file wins and the earlier is reported."""
    source = "convention"
    if frame.empty:
        return frame.assign(status_date=None, year=None), pd.DataFrame(columns=[*HISTORY_COLUMNS, *PROVENANCE])
    frame = frame.reset_index(drop=True)
    order = frame.assign(_undated=frame["status_date"].isna(), _row=range(len(frame)))
    order = order.sort_values(["convention_id", "action_id", "_undated", "status_date", "_row"],
                              kind="stable", na_position="last")
    keys = ["convention_id", "action_id", "status_date"]
    repeated = order.duplicated(keys, keep="last")
    _warn(order, repeated, log, source, "date_statut", order["status_date"], "statut_en_double",
          lambda r: f"Action {r['action_id']} : un autre statut est donné plus bas pour la même date "
                    f"({_fr(r['status_date']) if pd.notna(r['status_date']) else 'non daté'}) ; celui-ci est ignoré.")
    order = order[~repeated]
    history = order[[*HISTORY_COLUMNS, *PROVENANCE]].reset_index(drop=True)
    latest = order.groupby(["convention_id", "action_id"], sort=False).tail(1).copy()
    latest["status_date"] = order.groupby(["convention_id", "action_id"], sort=False)["status_date"].transform(
        "max").loc[latest.index]
    # The roadmap year of an action is the one its rows give (the latest row's when they differ).
    years = order.dropna(subset=["year"]).groupby(["convention_id", "action_id"])["year"].last()
    latest["year"] = [None if pd.isna(y := years.get((c, a))) else int(y)
                      for c, a in zip(latest["convention_id"], latest["action_id"])]
    return latest.drop(columns=["_undated", "_row"]).reset_index(drop=True), history


def finish_period(frame: pd.DataFrame, log: IssueLog, source: str, start: str, end: str, header: str) -> pd.DataFrame:
    backwards = frame[end] < frame[start]
    return _drop(frame, backwards, log, source, header, frame[end], "fin_avant_debut",
                 "La date de fin précède la date de début.")


def _fr(value) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else str(value)


# --- partnership projects register (data/raw/projets) ---------------------------------------------------

_FORM_SEPARATORS = re.compile(r"\s*[|,+]\s*")
_REGION_CODE = re.compile(r"^(?:r|reg|region)(\d{2})$|^(\d{2})region$")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_PHONE = re.compile(r"(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}")


def _form_keys() -> dict[str, str]:
    """Normalised spellings -> form code: the codes, the French labels and common short forms."""
    keys = {}
    for code, label in PROJECT_FORMS.items():
        keys[normalize_label(code)] = code
        keys[normalize_label(label)] = code
    keys.update({normalize_label(k): v for k, v in {
        "pair aidance": "pair_aidance", "pair-aidant": "pair_aidance", "pairs aidants": "pair_aidance",
        "pair aidance associative": "pair_aidance", "ETP": "etp", "éducation thérapeutique": "etp",
        "patient partenaire": "patient_partenaire", "usager partenaire": "patient_partenaire",
        "patients partenaires": "patient_partenaire", "médiateur de santé pair": "mediation_sante_pair",
        "médiation santé pair": "mediation_sante_pair", "MSP": "mediation_sante_pair",
        "recherche en santé": "recherche", "formation": "formation_professionnels",
        "formation de professionnels": "formation_professionnels", "éthique": "reflexion_ethique",
    }.items()})
    return keys


def parse_forms(text: str | None) -> tuple[list[str], list[str]]:
    """(form codes in order, unrecognised parts) of a `formes_engagement` cell: « | » or « , » separate forms;
    « / » does not (« patient partenaire / usager partenaire » is one form)."""
    keys, codes, unknown = _form_keys(), [], []
    for part in _FORM_SEPARATORS.split(text or ""):
        if not part.strip():
            continue
        code = keys.get(normalize_label(part))
        if code is None:
            unknown.append(part.strip())
        elif code not in codes:
            codes.append(code)
    return codes, unknown


def parse_project_territory(text: str | None) -> tuple[str | None, str | None]:
    """(department_code, region_code) of a project's code_territoire: a département code (« 69 », « 1 » -> 01,
    « 2A », « 974 ») or a région prefixed with R (« R84 », « région 84 »). Unknown -> (None, None)."""
    key = normalize_label(text or "").upper()
    if not key:
        return None, None
    found = _REGION_CODE.match(key.lower())
    if found:
        region = found.group(1) or found.group(2)
        return (None, region) if region in referential.region_codes() else (None, None)
    department = "0" + key if len(key) == 1 and key.isdigit() else key
    if department in referential.department_codes():
        return department, referential.region_of_department().get(department)
    return None, None


def finish_projects(frame: pd.DataFrame, establishments: pd.DataFrame, log: IssueLog) -> pd.DataFrame:
    """Forms as a list of codes, RU involvement as a boolean, territory from the FINESS or the territory code,
    public http(s) links only, and no e-mail address or phone number in a title."""
    source = "projets"
    dup = frame.duplicated("project_id", keep="first")
    frame = _drop(frame, dup, log, source, "id_projet", frame["project_id"], "projet_en_double",
                  lambda r: f"Projet {r['project_id']} déjà déclaré plus haut : ligne ignorée.")
    parsed = [parse_forms(t) for t in frame["forms_raw"]]
    unknown = pd.Series([bool(u) for _, u in parsed], index=frame.index, dtype=bool)
    frame = frame.assign(forms=[codes for codes, _ in parsed])
    frame = _drop(frame, unknown, log, source, "formes_engagement", frame["forms_raw"], "forme_inconnue",
                  lambda r: f"Forme(s) d'engagement non reconnue(s) : {', '.join(parse_forms(r['forms_raw'])[1])}. "
                            f"Valeurs autorisées, séparées par « | » : {' | '.join(PROJECT_FORMS.values())}.")
    personal = frame["title"].map(lambda t: bool(_EMAIL.search(t) or _PHONE.search(t)) if isinstance(t, str)
                                  else False).astype(bool)
    for _, row in frame[personal].iterrows():  # the value itself is personal data: never copied into the rejects
        log.error(source, row["_file"], row["_line"], "intitule", "(masqué)", "donnee_personnelle",
                  "Adresse e-mail ou numéro de téléphone dans l'intitulé : aucune donnée personnelle n'est "
                  "enregistrée, ligne écartée.")
    frame = frame[~personal]
    link = frame["link"].astype(object)
    bad_link = link.notna() & ~link.map(lambda v: isinstance(v, str) and bool(re.fullmatch(r"https?://\S+", v,
                                                                                           re.IGNORECASE)))
    frame = _drop(frame, bad_link.astype(bool), log, source, "lien", link, "lien_invalide",
                  "Le lien doit être une adresse publique commençant par http:// ou https://.")
    backwards = frame["end_date"].notna() & (frame["end_date"] < frame["start_date"])
    frame = _drop(frame, backwards.astype(bool), log, source, "date_fin", frame["end_date"], "fin_avant_debut",
                  "La date de fin précède la date de début du projet.")
    # Territory: the establishment's département, else the code given.
    dep_of_finess = dict(zip(establishments["finess"], establishments["department_code"]))
    if len(establishments):
        _warn(frame, frame["finess"].notna() & ~frame["finess"].isin(dep_of_finess.keys()), log, source, "finess",
              frame["finess"], "finess_absent",
              lambda r: f"N° FINESS {r['finess']} absent de l'extrait FINESS : projet placé d'après le n° FINESS.")
    from_finess = frame["finess"].map(lambda f: dep_of_finess.get(f) or _department_from_finess(f)
                                      if isinstance(f, str) else None)
    from_code = [parse_project_territory(t) for t in frame["territory_code"]]
    code_given = frame["territory_code"].notna() & frame["finess"].isna()
    bad_code = code_given & pd.Series([d is None and r is None for d, r in from_code], index=frame.index)
    frame = _drop(frame, bad_code.astype(bool), log, source, "code_territoire", frame["territory_code"],
                  "territoire_inconnu",
                  lambda r: f"Code territoire « {r['territory_code']} » inconnu : un département (69, 2A, 974) ou "
                            "une région précédée de R (R84).")
    codes = {i: parse_project_territory(t) for i, t in frame["territory_code"].items()}
    department = from_finess.reindex(frame.index).astype(object)
    department = department.where(department.notna(), pd.Series({i: c[0] for i, c in codes.items()}, dtype=object))
    region_of = referential.region_of_department()
    region = department.map(region_of).astype(object)
    region = region.where(region.notna(), pd.Series({i: c[1] for i, c in codes.items()}, dtype=object))
    frame = frame.assign(department_code=department, region_code=region)
    nowhere = frame["department_code"].isna() & frame["region_code"].isna()
    frame = _drop(frame, nowhere.astype(bool), log, source, "finess", frame["finess"], "projet_non_localise",
                  "Ni n° FINESS ni code territoire : impossible de placer le projet.")
    territory = frame["territory_code"].astype(object)
    return frame.assign(involves_ru=frame["involves_ru_raw"].eq("oui"),
                        territory_code=territory.where(territory.notna(), None))


# --- free text: no person's name, e-mail address or phone number is stored -----------------------------------

CIVILITY = re.compile(r"\b(?:M\.|Mme|Mlle|Monsieur|Madame|Mademoiselle|Dr|Docteur|Pr|Professeur)\s+"
                      r"[A-ZÀ-ÖØ-Þ][\w'’-]+")
WITHDRAWN = "[retiré : donnée personnelle]"


def _words(text: str) -> tuple[str, ...]:
    """Lower-case words without accents: « Jean-Michel MEYER » → jean, michel, meyer."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return tuple(re.findall(r"[a-z0-9]+", plain))


def known_names(frames: list[pd.DataFrame]) -> set[tuple[str, ...]]:
    """Every full name of the nominative files as normalised words (« Jean-Michel Meyer » → jean, michel, meyer),
    first name then last name and the other way round."""
    names: set[tuple[str, ...]] = set()
    for frame in frames:
        if "last_name" not in frame or "first_name" not in frame:
            continue
        for last, first in zip(frame["last_name"], frame["first_name"]):
            if isinstance(last, str) and isinstance(first, str) and last.strip() and first.strip():
                a, b = _words(first), _words(last)
                names.update({a + b, b + a})
    return names


def personal_data_in(text: str, names: set[tuple[str, ...]]) -> str | None:
    """What personal data a free text holds (French, for the warning), or None."""
    if _EMAIL.search(text):
        return "une adresse électronique"
    if _PHONE.search(text):
        return "un numéro de téléphone"
    if CIVILITY.search(text):
        return "une civilité suivie d'un nom"
    # A name never straddles a separator (« Sainte-Marie – Paris » is no Marie Paris) nor follows « Saint(e) ».
    for part in re.split(r"\s+[–—-]\s+|[,;:()/|·]", text):
        words = _words(part)
        if any(tuple(words[i:i + n]) in names and (i == 0 or words[i - 1] not in SAINTS)
               for n in _sizes(names) for i in range(len(words) - n + 1)):
            return "le nom d'une personne désignée"
    return None


SAINTS = {"saint", "sainte", "st", "ste"}


_SIZES: dict[int, set[int]] = {}


def _sizes(names: set[tuple[str, ...]]) -> set[int]:
    """The lengths (in words) of the known names, computed once per set of names."""
    key = id(names)
    if key not in _SIZES:
        _SIZES.clear()
        _SIZES[key] = {len(n) for n in names}
    return _SIZES[key]


def scrub_free_text(tables: dict[str, pd.DataFrame], names: set[tuple[str, ...]], log: IssueLog) -> None:
    """Withdraw, in place, every free-text cell of the declared tables holding personal data (a known person's
    name, an e-mail address, a phone number, a civility followed by a name), with a warning at its line that never
    repeats the text; a link keeps no query string holding personal data."""
    for table in TABLES:
        frame = tables.get(table.name)
        if frame is None or frame.empty or "_file" not in frame:
            continue
        for column in table.columns:
            if column.kind != "text" or column.name not in frame:
                continue
            values = frame[column.name]
            # Free texts repeat (an association's name on thousands of mandates): each distinct one is read once.
            verdicts = {v: personal_data_in(v, names) for v in values.dropna().unique() if isinstance(v, str)}
            flagged = [v for v, why in verdicts.items() if why]
            if not flagged:
                continue
            for index, value in values[values.isin(flagged)].items():
                why = verdicts[value]
                replacement = WITHDRAWN
                if column.name == "link" and "?" in value and personal_data_in(value.split("?", 1)[0], names) is None:
                    replacement = value.split("?", 1)[0]  # the address stays, its query string goes
                frame.at[index, column.name] = replacement
                log.warning(table.source, frame.at[index, "_file"], frame.at[index, "_line"], column.header, "",
                            "donnee_personnelle_texte_libre",
                            f"Texte libre contenant {why} : retiré (aucune donnée personnelle n'est conservée ; "
                            "le texte n'est pas reproduit ici).")
