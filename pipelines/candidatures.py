"""Candidacies collected with « Démarches simplifiées » (data/raw/candidatures/): its exports read as they are.

An export is an XLSX or ODS workbook (sheet « Dossiers », then « Etablissements », « Avis » and one sheet per
repeated block, « (<id>) <libellé> », starting with « Dossier ID », « Ligne ») or a CSV of the dossiers alone.
Columns are matched by name, never by position: a new version of the form adds or moves columns. Which fields
hold the establishment (FINESS), the body, the role sought and the association is said per démarche in
config/demarches.toml, or found by the words of their labels. When the establishment is in a repeated block,
each row of the block is one wish of the candidate: one candidacy row per dossier and establishment.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from observatoire.base import configfile, referential, vocabulary
from pipelines.casting import parse_choice, parse_finess
from pipelines.issues import IssueLog
from pipelines.reading import RawFile, display_name, match_headers, normalize_label
from pipelines.schemas import BODY_TYPES, CANDIDACIES, Column, Table
from pipelines.sources import _department_from_finess, cast_file, report_duplicate_rows

SOURCE = "candidatures"

# A repeated block's sheet: its rows link to their dossier by « Dossier ID » and are numbered by « Ligne ».
WISHES = Table(
    name="candidacy_wishes", source=SOURCE, label_fr="Vœux d'un bloc répétable",
    columns=(
        Column("dossier_number", "Dossier ID", "int", True, ("id dossier", "n° dossier"), label_fr="Dossier"),
        Column("wish_line", "Ligne", "int", False, (), label_fr="Ligne du bloc"),
        *(c for c in CANDIDACIES.columns if c.name in ("finess_text", "body_type_text", "role_text", "association")),
    ),
)
# Dossiers deleted in « Démarches simplifiées » (written by `python -m pipelines sync-demarches`).
DELETIONS = Table(
    name="candidacy_deletions", source=SOURCE, label_fr="Dossiers supprimés",
    columns=(Column("dossier_number", "ID", "int", True, ("n° dossier",), label_fr="Dossier"),
             Column("deleted_on", "Supprimé le", "date", True, ("date de suppression",), label_fr="Suppression")),
)
DELETIONS_SHEET = "Dossiers supprimés"

# The form's fields: store column -> (key in config/demarches.toml, word a label holds by default).
FORM_FIELDS = {"finess_text": ("finess", "finess"), "body_type_text": ("instance", "instance"),
               "role_text": ("role", "role"), "association": ("association", "association")}
_HEADER = {c.name: c.header for c in CANDIDACIES.columns}
STATE_CODES = {label: code for code, label in vocabulary.CANDIDACY_STATES.items()}
STANDARD = [c for c in CANDIDACIES.columns if c.name not in FORM_FIELDS]
STANDARD_TABLE = replace(CANDIDACIES, columns=tuple(STANDARD))
# Sheets of an export that hold nothing the observatory reads.
IGNORED_SHEETS = ("etablissements", "avis")
_BLOCK_SHEET = re.compile(r"^\(\d+\)\s*")
EXPORT_NAME = re.compile(r"^dossiers_(?P<slug>.+?)_(?P<stamp>\d{4}-\d{2}-\d{2}_\d{2}-\d{2})(?:_.*)?$")
_PROCEDURE = re.compile(r"^procedure-(\d+)$")


class DemarchesFileError(ValueError):
    """config/demarches.toml cannot be used; `message_fr` says where and why."""

    def __init__(self, message_fr: str):
        super().__init__(message_fr)
        self.message_fr = message_fr


@dataclass(frozen=True)
class Demarche:
    """One procedure whose dossiers are candidacies, and the campaign they answer."""

    number: int | None
    slug: str | None
    region: str
    body_type: str | None
    campaign: str | None
    fields: dict = field(default_factory=dict)   # store column -> the form's label

    @property
    def key(self) -> str:
        return str(self.number) if self.number is not None else str(self.slug)


def parse_demarches(text: str, source: str = "config/demarches.toml") -> tuple[Demarche, ...]:
    """The [[demarche]] entries; any mistake makes the whole file unusable, with its entry number."""
    entries = configfile.entries(text, "demarche", source, DemarchesFileError)
    found = []
    for index, entry in enumerate(entries, start=1):
        where = f"{source}, entrée [[demarche]] n° {index}"
        unknown = set(entry) - {"numero", "fichier", "region", "type_instance", "campagne", "champs", "note"}
        if unknown:
            raise DemarchesFileError(f"{where} : clé inconnue {', '.join(sorted(unknown))}.")
        number, slug = entry.get("numero"), entry.get("fichier")
        if number is None and not slug:
            raise DemarchesFileError(f"{where} : indiquez le numéro de la démarche (numero) ou le nom de ses "
                                     "exports (fichier).")
        if number is not None and (not isinstance(number, int) or number <= 0):
            raise DemarchesFileError(f"{where} : numero « {number} » n'est pas un numéro de démarche.")
        region = str(entry.get("region", "")).strip().zfill(2)
        if region not in referential.region_codes():
            raise DemarchesFileError(f"{where} : région « {entry.get('region', '')} » inconnue (code INSEE, ex. "
                                     "« 44 »).")
        body_type = entry.get("type_instance")
        if body_type is not None and parse_body_type(str(body_type)) is None:
            raise DemarchesFileError(f"{where} : type d'instance « {body_type} » inconnu (attendu : "
                                     f"{', '.join(BODY_TYPES)}).")
        labels = entry.get("champs", {})
        unknown = set(labels) - {key for key, _ in FORM_FIELDS.values()}
        if not isinstance(labels, dict) or unknown:
            raise DemarchesFileError(f"{where} : [demarche.champs] accepte finess, instance, role et association "
                                     f"(clé inconnue : {', '.join(sorted(unknown))}).")
        fields = {column: str(labels[key]) for column, (key, _) in FORM_FIELDS.items() if key in labels}
        found.append(Demarche(number, str(slug) if slug else None, region,
                              parse_body_type(str(body_type)) if body_type else None,
                              str(entry["campagne"]) if entry.get("campagne") else None, fields))
    return tuple(found)


def load_demarches(path: Path) -> tuple[Demarche, ...]:
    if not Path(path).exists():
        return ()
    return parse_demarches(Path(path).read_text(encoding="utf-8"), Path(path).name)


def export_identity(file_name: str) -> tuple[str | None, int | None, dt.datetime | None]:
    """(slug, number, export time) of an export's name « dossiers_<démarche>_<aaaa-mm-jj_hh-mm>.xlsx »; the
    démarche is its slug, or « procedure-<numéro> » when it has none."""
    found = EXPORT_NAME.match(Path(file_name).stem)
    if not found:
        return None, None, None
    slug = found.group("slug")
    stamp = dt.datetime.strptime(found.group("stamp"), "%Y-%m-%d_%H-%M")
    number = _PROCEDURE.match(slug)
    return (None, int(number.group(1)), stamp) if number else (slug, None, stamp)


def demarche_of(file_name: str, demarches: tuple[Demarche, ...]) -> Demarche | None:
    """The démarche of an export, by the name « Démarches simplifiées » gave it (its slug, or its number); a
    renamed file still matches when its name holds the slug."""
    slug, number, _ = export_identity(file_name)
    for demarche in demarches:
        if (number is not None and demarche.number == number) or (slug and demarche.slug == slug):
            return demarche
    name = normalize_label(Path(file_name).stem)
    for demarche in demarches:
        if demarche.slug and normalize_label(demarche.slug) in name:
            return demarche
        if demarche.number is not None and f"procedure{demarche.number}" in name:
            return demarche
    return None


# --- reading one export ---------------------------------------------------------------------------------------

def _header_has(raw: RawFile, *labels: str) -> bool:
    header = {normalize_label(h) for h in raw.header}
    return all(any(normalize_label(a) in header for a in alternatives) for alternatives in labels)


def is_dossiers_sheet(raw: RawFile) -> bool:
    if raw.sheet is not None and normalize_label(raw.sheet) == "dossiers":
        return True
    return _header_has(raw, ("ID", "N° dossier"), ("État du dossier", "Statut", "Etat")) and not \
        _header_has(raw, ("Dossier ID",))


def looks_like_export(raws: list[RawFile]) -> bool:
    """Whether a file is a « Démarches simplifiées » export of dossiers."""
    return any(is_dossiers_sheet(raw) for raw in raws)


def _words(label: str) -> list[str]:
    return [normalize_label(w) for w in re.split(r"[\W_]+", label) if normalize_label(w)]


def _find(header: list[str], label: str | None, word: str, taken: set[int]) -> int | None:
    """The column of a form field: the configured label (case, accents and punctuation aside), else the first
    column whose label holds the word (« Rôle souhaité » for « role »; never « Contrôle »)."""
    if label is not None:
        wanted = normalize_label(label)
        return next((i for i, h in enumerate(header) if normalize_label(h) == wanted), None)
    return next((i for i, h in enumerate(header) if i not in taken and any(w.startswith(word) for w in _words(h))),
                None)


def _rewrite(raw: RawFile, table: Table, fields: dict[int, str]) -> RawFile:
    """The sheet with only the columns read: standard ones under their own label, the form's fields under the
    store's header, every other column blanked (never read, never reported)."""
    standard, _, _ = match_headers(raw.header, table)
    keep = {index for name, index in standard.items() if name not in FORM_FIELDS}
    header = [fields.get(i, h if i in keep else "") for i, h in enumerate(raw.header)]
    return replace(raw, header=header)


@dataclass
class ExportParts:
    """What one export gave: its report entries (one per sheet), typed dossiers, wishes, deletions."""

    entries: list[dict]
    dossiers: pd.DataFrame | None = None
    wishes: pd.DataFrame | None = None
    deletions: pd.DataFrame | None = None


def _entry(raw: RawFile, table: str, issues: IssueLog | None = None, read: bool = True, **extra) -> dict:
    """The manifest's entry of one sheet read (exact copies of a line reported once, as for every source)."""
    copies = report_duplicate_rows(raw, SOURCE, issues) if issues is not None else 0
    return {"file": raw.name, "sha256": raw.sha256, "encoding": raw.encoding,
            "separator": {"\t": "tab"}.get(raw.separator, raw.separator), "table": table,
            "rows_read": raw.rows_read, "rows_duplicate": copies, "read": read, "missing_columns": [], **extra}


def cast_export(raws: list[RawFile], issues: IssueLog, demarches) -> ExportParts:
    """Read one export: its « Dossiers » sheet (or CSV), the repeated block holding the establishment if the form
    has one, a sheet of deleted dossiers; `demarches()` gives config/demarches.toml (read once per build)."""
    name = display_name(raws[0].path)
    dossiers = next((r for r in raws if is_dossiers_sheet(r)), None)
    deleted = [r for r in raws if r.sheet and normalize_label(r.sheet) == normalize_label(DELETIONS_SHEET)]
    blocks = [r for r in raws if r is not dossiers and r not in deleted and
              (_BLOCK_SHEET.match(r.sheet or "") or _header_has(r, ("Dossier ID",), ("Ligne",)))]
    parts = ExportParts([])
    for raw in raws:
        if raw is dossiers or raw in deleted or raw in blocks:
            continue
        if normalize_label(raw.sheet or "") not in IGNORED_SHEETS:
            issues.warning(SOURCE, raw.name, None, "", "", "feuille_non_lue",
                           f"Feuille « {raw.sheet or name} » non reconnue dans un export de « Démarches simplifiées » "
                           "(feuilles lues : Dossiers et les blocs répétables) : ignorée.")
    if dossiers is None and not deleted:
        message = ("Aucune feuille « Dossiers » ni colonnes « ID » et « État du dossier » : ce fichier n'est pas un "
                   "export de dossiers de « Démarches simplifiées ». Fichier ignoré.")
        issues.error(SOURCE, name, None, "", "", "export_non_reconnu", message)
        parts.entries = [_entry(r, CANDIDACIES.name, read=False, error=message) for r in raws]
        return parts
    try:
        demarche = demarche_of(name, demarches())
    except DemarchesFileError as exc:
        issues.error(SOURCE, name, None, "", "", "demarches_illisible", exc.message_fr + " Fichier ignoré.")
        parts.entries = [_entry(r, CANDIDACIES.name, read=False, error=exc.message_fr) for r in raws]
        return parts
    if demarche is None:
        slug, number, _ = export_identity(name)
        said = f"« {slug} »" if slug else f"n° {number}" if number else "inconnue (nom de fichier modifié ?)"
        message = (f"Démarche {said} absente de config/demarches.toml : ajoutez-y une entrée [[demarche]] avec son "
                   "numéro (numero) ou le nom de ses exports (fichier), sa région et son type d'instance. Fichier "
                   "ignoré.")
        issues.error(SOURCE, name, None, "", "", "demarche_inconnue", message)
        parts.entries = [_entry(r, CANDIDACIES.name, read=False, error=message) for r in raws]
        return parts
    _, _, stamp = export_identity(name)
    fields_in_dossiers, fields_in_block, block = _resolve_fields(dossiers, blocks, demarche)
    if dossiers is not None:
        typed = cast_file(_rewrite(dossiers, STANDARD_TABLE, fields_in_dossiers), CANDIDACIES, issues)
        typed["state"] = typed["state"].map(STATE_CODES)
        parts.dossiers = typed.assign(demarche=demarche.key, _export_at=stamp, _region=demarche.region,
                                      _default_body=demarche.body_type, campaign_label=demarche.campaign)
        missing = match_headers(dossiers.header, CANDIDACIES)[1]
        parts.entries.append(_entry(dossiers, CANDIDACIES.name, issues, read=not missing, missing_columns=missing))
    if block is not None:
        typed = cast_file(_rewrite(block, WISHES, fields_in_block), WISHES, issues)
        mapped = set(fields_in_block.values())
        # Only the fields this block holds: the others stay those of the dossier.
        typed = typed[[c for c in typed.columns if c not in FORM_FIELDS or _HEADER[c] in mapped]]
        parts.wishes = typed.assign(demarche=demarche.key)
        parts.entries.append(_entry(block, WISHES.name, issues))
    frames = [cast_file(raw, DELETIONS, issues).assign(demarche=demarche.key) for raw in deleted]
    if frames:
        parts.deletions = pd.concat(frames, ignore_index=True)
        parts.entries += [_entry(raw, DELETIONS.name, issues) for raw in deleted]
    return parts


def _resolve_fields(dossiers: RawFile | None, blocks: list[RawFile], demarche: Demarche):
    """Where each form field is: {column index: store header} in the dossiers sheet and in the one repeated block
    holding the establishment (the block read, or None)."""
    header_of = _HEADER
    in_dossiers: dict[int, str] = {}
    standard = set(match_headers(dossiers.header, STANDARD_TABLE)[0].values()) if dossiers is not None else set()
    if dossiers is not None:
        for column, (_, word) in FORM_FIELDS.items():
            index = _find(dossiers.header, demarche.fields.get(column), word, standard | set(in_dossiers))
            if index is not None and index not in standard:
                in_dossiers[index] = header_of[column]
    found = set(in_dossiers.values())
    block, in_block = None, {}
    if header_of["finess_text"] not in found:
        for raw in blocks:
            mapping = match_headers(raw.header, WISHES)[0]
            key_columns = {mapping[n] for n in ("dossier_number", "wish_line") if n in mapping}
            index = _find(raw.header, demarche.fields.get("finess_text"), "finess", key_columns)
            if index is None:
                continue
            block, in_block = raw, {index: header_of["finess_text"]}
            for column, (_, word) in FORM_FIELDS.items():
                if column == "finess_text" or header_of[column] in found:
                    continue
                other = _find(raw.header, demarche.fields.get(column), word, key_columns | set(in_block))
                if other is not None and other not in key_columns:
                    in_block[other] = header_of[column]
            break
    return in_dossiers, in_block, block


# --- from typed rows to candidacies ---------------------------------------------------------------------------

_BODY_WORDS = (("commissiondesusagers", "CDU"), ("conseildelaviesociale", "CVS"), ("conseildesurveillance", "CS"),
               ("conferenceregionale", "CRSA"), ("conseilterritorial", "CTS"),
               ("conseildepartementaldelacitoyennete", "CDCA"))


def parse_body_type(text: str | None) -> str | None:
    """« CDU », « Commission des usagers (CDU) », « commission des usagers » -> CDU; None when none is named."""
    if not (text or "").strip():
        return None
    value, problem = parse_choice(text, BODY_TYPES)
    if value and not problem:
        return value
    tokens = set(re.findall(r"[A-Za-z]+", text.upper()))
    named = [code for code in BODY_TYPES if code != "autre" and code.upper() in tokens]
    if len(named) == 1:
        return named[0]
    key = normalize_label(text)
    return next((code for words, code in _BODY_WORDS if words in key), None)


def parse_role(text: str | None) -> tuple[str | None, bool]:
    """(titulaire | suppleant | None, understood): « Titulaire ou suppléant », « Indifférent » -> (None, True)."""
    key = normalize_label(text or "")
    if not key:
        return None, True
    titular, substitute = "titulaire" in key, "suppl" in key
    if titular and not substitute:
        return "titulaire", True
    if substitute and not titular:
        return "suppleant", True
    if (titular and substitute) or any(w in key for w in ("indifferent", "peuimporte", "sanspreference")):
        return None, True
    return None, False


_FINESS_IN_TEXT = re.compile(r"(?<![0-9A-Z])(2A\d{7}|2B\d{7}|\d{9}|\d{8})(?!\d)")


def parse_finess_text(text: str | None):
    """The FINESS number in a form's answer (« CH de Strasbourg – 670000025 », « 670 000 025 »), as
    casting.parse_finess returns it; (None, None) when the answer is empty."""
    compact = re.sub(r"[\s\u00a0\u202f.]", "", text or "").upper()
    if not compact:
        return None, None
    found = _FINESS_IN_TEXT.search(compact)
    if not found:
        return None, ("finess_invalide", "erreur",
                      f"Aucun n° FINESS (9 caractères, ex. 670000025) dans « {text} ».")
    return parse_finess(found.group(1))


def supersede(frame: pd.DataFrame, issues: IssueLog) -> tuple[pd.DataFrame, dict[str, int]]:
    """The same dossier in several exports (a weekly export repeats every dossier): the row updated last (then
    the export made last) is kept; the others are set aside like copies, with a warning. Returns the kept rows and,
    per file, how many were set aside."""
    if frame.empty:
        return frame, {}
    order = frame.assign(_updated=pd.to_datetime(frame["updated_on"]), _at=pd.to_datetime(frame["_export_at"]))
    order = order.sort_values(["demarche", "dossier_number", "_updated", "_at", "_file", "_line"],
                              na_position="first", kind="stable")
    older = order.duplicated(["demarche", "dossier_number"], keep="last")
    counts: dict[str, int] = {}
    if older.any():
        latest = order[~older].set_index(["demarche", "dossier_number"])
        for _, row in order[older].iterrows():
            kept = latest.loc[(row["demarche"], row["dossier_number"])]
            issues.add(SOURCE, row["_file"], row["_line"], "ID", str(row["dossier_number"]), "dossier_plus_recent",
                       "avertissement", f"Dossier n° {row['dossier_number']} aussi dans {kept['_file']} (ligne "
                       f"{kept['_line']}), mis à jour plus tard : cette ligne-ci n'est pas comptée.", kept=False)
            counts[row["_file"]] = counts.get(row["_file"], 0) + 1
    return order[~older].drop(columns=["_updated", "_at"]).sort_index(), counts


def apply_deletions(dossiers: pd.DataFrame, deletions: pd.DataFrame, issues: IssueLog
                    ) -> tuple[pd.DataFrame, dict[str, int]]:
    """Dossiers deleted in « Démarches simplifiées » after their last update are not counted (a warning at their
    line); returns the rows kept and, per file, how many were removed."""
    if dossiers.empty or deletions is None or deletions.empty:
        return dossiers, {}
    last = deletions.sort_values("deleted_on").groupby(["demarche", "dossier_number"])["deleted_on"].last()
    deleted_on = [last.get((d, n)) for d, n in zip(dossiers["demarche"], dossiers["dossier_number"])]
    gone = pd.Series([on is not None and (pd.isna(u) or u <= on) for on, u in zip(deleted_on, dossiers["updated_on"])],
                     index=dossiers.index, dtype=bool)
    counts: dict[str, int] = {}
    for (index, row), on in zip(dossiers.iterrows(), deleted_on):
        if gone[index]:
            issues.add(SOURCE, row["_file"], row["_line"], "ID", str(row["dossier_number"]), "dossier_supprime",
                       "avertissement", f"Dossier n° {row['dossier_number']} supprimé dans « Démarches simplifiées » "
                       f"le {on:%d/%m/%Y} : non compté.", kept=False)
            counts[row["_file"]] = counts.get(row["_file"], 0) + 1
    return dossiers[~gone], counts


def join_wishes(dossiers: pd.DataFrame, wishes: pd.DataFrame | None, issues: IssueLog) -> pd.DataFrame:
    """One row per dossier and wish (a dossier without a wish keeps one row). A wish whose dossier is not in the
    export is reported and left out."""
    if wishes is None or wishes.empty:
        return dossiers.assign(wish_line=None, _wish_file=None, _wish_line=None)
    known = set(zip(dossiers["demarche"], dossiers["dossier_number"]))
    orphan = [(d, n) not in known for d, n in zip(wishes["demarche"], wishes["dossier_number"])]
    for _, row in wishes[orphan].iterrows():
        issues.add(SOURCE, row["_file"], row["_line"], "Dossier ID", str(row["dossier_number"]), "voeu_sans_dossier",
                   "erreur", f"Dossier n° {row['dossier_number']} absent de la feuille « Dossiers » (ou écarté) : "
                   "ligne ignorée.", kept=False)
    wishes = wishes[[not o for o in orphan]].rename(columns={"_file": "_wish_file", "_line": "_wish_line"})
    own = [c for c in FORM_FIELDS if c in wishes.columns]
    joined = dossiers.merge(
        wishes[["demarche", "dossier_number", "wish_line", "_wish_file", "_wish_line", *own]].rename(
            columns={c: f"{c}_wish" for c in own}), on=["demarche", "dossier_number"], how="left")
    # A wish's answers replace the dossier's (other exports, and dossiers without a wish, keep theirs).
    from_block = joined["_wish_file"].notna()
    for column in own:
        joined[column] = joined[f"{column}_wish"].where(from_block & joined[f"{column}_wish"].notna(),
                                                        joined.get(column))
    return joined.drop(columns=[f"{c}_wish" for c in own])


def finish_candidacies(frame: pd.DataFrame, establishments: pd.DataFrame, log: IssueLog) -> pd.DataFrame:
    """FINESS, body type and role from the form's answers (or the démarche's body type), département from the
    establishment, région from the démarche. Each problem is at the line (dossier or block row) it comes from."""
    if frame.empty:
        return frame.assign(finess=None, body_type=None, role=None, department_code=None, region_code=None)
    department_of = dict(zip(establishments["finess"], establishments["department_code"]))
    region_of = referential.region_of_department()
    keep, rows = [], {"finess": [], "body_type": [], "role": [], "department_code": [], "region_code": []}
    for row in frame.to_dict("records"):
        in_block = isinstance(row.get("_wish_file"), str)
        file, line = (row["_wish_file"], int(row["_wish_line"])) if in_block else (row["_file"], int(row["_line"]))
        good = True
        finess, problem = parse_finess_text(_text(row.get("finess_text")))
        if problem:
            log.add(SOURCE, file, line, "N° FINESS", row.get("finess_text"), problem[0], problem[1], problem[2])
            good = good and problem[1] != "erreur"
        body_text = _text(row.get("body_type_text"))
        body_type = parse_body_type(body_text) or row["_default_body"]
        if body_type is None:
            log.error(SOURCE, file, line, "Instance", body_text or "", "instance_inconnue",
                      ("Type d'instance non reconnu" + (f" (« {body_text} »)" if body_text else "")
                       + f" et aucun type_instance pour cette démarche dans config/demarches.toml : attendu "
                         f"{', '.join(BODY_TYPES)}."))
            good = False
        role_text = _text(row.get("role_text"))
        role, understood = parse_role(role_text)
        if not understood:
            log.warning(SOURCE, file, line, "Rôle souhaité", role_text, "role_inconnu",
                        f"Rôle « {role_text} » non reconnu (titulaire, suppléant ou indifférent) : candidature "
                        "comptée sans rôle.")
        department = None
        if finess:
            department = department_of.get(finess) or _department_from_finess(finess)
            if finess not in department_of and len(establishments):
                log.warning(SOURCE, file, line, "N° FINESS", finess, "finess_absent",
                            f"N° FINESS {finess} absent de l'extrait FINESS : candidature placée d'après son numéro.")
            if department and region_of.get(department) != row["_region"]:
                log.warning(SOURCE, file, line, "N° FINESS", finess, "hors_region",
                            f"Établissement {finess} hors de la région de la démarche ({row['_region']}) : "
                            "candidature comptée pour la région de la démarche, sans établissement.")
                finess, department = None, None
        keep.append(good)
        for name, value in (("finess", finess), ("body_type", body_type), ("role", role),
                            ("department_code", department), ("region_code", row["_region"])):
            rows[name].append(value)
    out = frame.assign(**rows)
    out = out[pd.Series(keep, index=out.index, dtype=bool)]
    return out.drop(columns=["_default_body", "_region", "_export_at"], errors="ignore")


def _text(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None





# The provenance columns of a candidacy row: the dossier's line, and the block row's when it came from a block.
LINE_COLUMNS = {CANDIDACIES.name: ("_file", "_line"), WISHES.name: ("_wish_file", "_wish_line")}


def lines_kept(frame: pd.DataFrame, table: str, file: str) -> int:
    """How many lines of a sheet gave at least one kept candidacy."""
    file_column, line_column = LINE_COLUMNS[table]
    if frame is None or not len(frame) or file_column not in frame:
        return 0
    return int(frame.loc[frame[file_column] == file, line_column].nunique())


def forget_nameless(frame: pd.DataFrame) -> None:
    """A dossier without a name (a form for organisations) gets no pseudonym: all of them would share one."""
    if len(frame) and "person_key" in frame:
        nameless = frame["last_name"].isna() & frame["first_name"].isna()
        frame.loc[nameless, "person_key"] = None
