"""The bilan pack of a convention at a date: a PDF report a director signs (typst), every chart as PNG, every table
as CSV and XLSX, the séance records. Read through the domain's readers and cut to the user's access like the pages."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from observatoire.base import formatting, settings, vocabulary
from observatoire.base.dates import as_date, is_missing
from observatoire.base.db import Store
from observatoire.domain import convention, indicators, records
from observatoire.domain.access import OPEN_ACCESS, Access
from observatoire.present import charts, exports, seance, tables
from observatoire.present import convention as convention_view

TEMPLATE = Path(__file__).with_name("bilan.typ")
FONT_DIRS = ["/usr/share/fonts/truetype/dejavu"]
CHART_SIZE = (1100, 560)  # drawn at scale 2: 2200×1120 pixels, text legible on A4
SCALE = 2
# The meetings a bilan is prepared for: follow-up groups and reviews (not the other milestones of the calendar).
PREPARED_FOR_TYPES = (vocabulary.FOLLOW_UP_MEETING, "revue_strategique", "bilan_intermediaire", "bilan_final")
MAX_NAME = 120  # characters of the validator's name
# Column widths of the PDF tables (typst: « auto », a fraction « 1.5fr » or a length « 1.9cm »).
FACT_WIDTHS = {"Valeur": "0.7fr", "Cible": "1.15fr", "Écart à la cible": "0.85fr", "Référence": "1.75fr",
               "Depuis le dernier groupe de suivi": "1.35fr", "Statut": "1.3fr", "Remarque": "2.4fr",
               "Département": "1.6fr"}
SYNTHESIS = {"Indicateur": "2.2fr", "Territoire": "1.45fr", "Valeur": "0.75fr", "Cible": "1.15fr",
             "Depuis le dernier groupe de suivi": "1fr", "Statut": "1.45fr"}
LATE_ACTIONS = {"action_id": ("N°", "1.1cm"), "label": ("Action", "2.6fr"), "owner": ("Pilote", "1.3fr"),
                "due_date": ("Échéance", "1.9cm"), "lateness": ("Retard", "1.5cm"), "status_fr": ("Statut", "1.2fr")}
ROADMAP_WIDTHS = {"Feuille de route": "1.9cm", "N°": "1.1cm", "Axe": "1.2fr", "Action": "2.4fr", "Pilote": "1.2fr",
                  "Échéance": "1.9cm", "Statut": "1.3fr", "Retard": "1.4cm", "Résultat attendu": "2fr",
                  "Commentaire": "2fr", "Remarque": "1.2fr"}
DECISION_WIDTHS = ["1.6fr", "2fr", "2fr"]
METHODS = [
    ("Statuts", ("✔\u00a0atteint : la valeur a atteint la cible de l'année. ↗\u00a0en bonne voie : la valeur est du bon "
                 "côté de la trajectoire en ligne droite de la valeur de référence à la cible (ou en deçà de moins "
                 "d'une personne ou d'un siège). ⚠\u00a0en retard : elle est du mauvais côté. ✗\u00a0non atteint : "
                 "résultat définitif sous la cible (campagne dont la prise en compte des désignations est close). "
                 "○\u00a0non évaluable : valeur masquée ou absente, ou aucune valeur de référence depuis la signature "
                 "(une donnée manquante n'est jamais « en retard »). Avant la signature, aucun statut.")),
    ("Graphiques", ("Valeur observée depuis la signature, référence, trajectoire en ligne droite jusqu'aux cibles "
                    "de chaque année, groupes de suivi (pointillés), date de situation (trait rouge) ; sous chaque "
                    "graphique, sa ligne du tableau de bord et les chiffres qu'il trace.")),
    ("Référence", ("La valeur à la date de signature ; si elle est masquée ou absente, la première valeur connue "
                   "après la signature, avec sa date. Pour une campagne de nomination : 0 à son ouverture.")),
    ("Secret statistique", ("Les effectifs de moins de {threshold} personnes sont masqués (« masqué ») dans le "
                            "rapport, les graphiques et les tableaux, ainsi qu'un second chiffre partout où le premier "
                            "se déduirait d'un total publié (secret secondaire).")),
    ("Fichiers joints", ("Chaque graphique est joint en PNG (dossier « graphiques », dont la trajectoire de chaque "
                         "département) et chaque tableau en CSV (UTF-8 avec BOM, « ; », virgule décimale) et en XLSX "
                         "(dossier « tableaux »), relevés de séance compris.")),
]


def methods() -> list[list[str]]:
    """The « Méthode » section: its statistical secrecy paragraph states the configured threshold."""
    return [[title, text.format(threshold=settings.mask_threshold())] for title, text in METHODS]


# The séance records exported with the bilan (tableaux/releves_seances_…): one line per indicator the room saw and
# per action discussed, for the latest version of each meeting's record up to the as-of date.
RECORD_COLUMNS = {"meeting_date": tables.Col("Séance", "date"), "version": tables.Col("Version", "int"),
                  "closed_on": tables.Col("Close le", "date"), "organisations": tables.Col("Organisations présentes"),
                  "kind": tables.Col("Objet"), "label": tables.Col("Intitulé"), "territory": tables.Col("Territoire"),
                  "value": tables.Col("Valeur enregistrée", "float", masked_by="masked"), "unit": tables.Col("Unité"),
                  "status": tables.Col("Statut enregistré"), "comment": tables.Col("Commentaire"),
                  "decision": tables.Col("Décision")}


@dataclass
class Pack:
    folder: Path
    pdf: Path
    files: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


class PackError(ValueError):
    """A bilan that cannot be built (unknown convention or territory, out of the user's rights); French message."""


@dataclass(frozen=True)
class Validation:
    """What the validation block says: the meeting the bilan is prepared for, who validated it and when (a name
    typed at validation: written in the PDF and the bilans' own record, never in the store)."""
    meeting: dt.date | None = None
    meeting_label: str = ""
    validated_by: str = ""
    validated_on: dt.date | None = None


def build(store: Store, convention_id: str, as_of: dt.date, out_dir: Path, territory: str | None = None,
          progress: Callable[[float, str], None] | None = None,
          render: Callable[..., bytes] | None = None, *, access: Access = OPEN_ACCESS,
          meeting: dt.date | None = None, validated_by: str | None = None, validated_on: dt.date | None = None,
          records_dir: Path | None = None, compare_from: dt.date | None = None) -> Pack:
    """Write the pack into `out_dir` (created, emptied of a previous pack) and return what was written.

    `access` cuts it as the pages are cut: a convention of another région is refused, rows of territories the user
    may not see are left out, a délégation départementale gets its own département only. `meeting` is the follow-up
    group or review it is prepared for (by default the next one from the as-of date); `validated_by` and
    `validated_on` fill the validation block, and the validation is appended to the bilans' record. `compare_from`,
    a date before `as_of`, adds the two dates side by side (as on the Convention page): each indicator's value,
    change and status at both, and the roadmap actions whose status changed."""
    started = time.perf_counter()
    say = progress or (lambda fraction, text: None)
    render = render or exports.png
    records_dir = Path(records_dir) if records_dir is not None else settings.records_dir()
    row = convention.read_convention(store, convention_id)
    if row is None:
        raise PackError(f"Convention inconnue : {convention_id}")
    if not visible_convention(row, access):
        raise PackError(f"La convention {convention_id} est hors de vos droits ({access.territory_label}).")
    territory = pack_territory(access, territory)
    if compare_from is not None and compare_from >= as_of:
        raise PackError(f"La date de comparaison ({formatting.date(compare_from)}) doit précéder la date de "
                        f"situation ({formatting.date(as_of)}).")
    milestones = convention.read_milestones(store, convention_id)
    validation = validate(milestones, as_of, meeting, validated_by, validated_on)
    if render is exports.png:  # start Chromium while the scorecard is computed
        threading.Thread(target=exports.renderer().warm, name="bilan-warm", daemon=True).start()
    signed_on = as_date(row["signed_on"])
    say(0.02, "Tableau de bord")
    card = convention.scorecard(store, convention_id, as_of)
    if card.empty:
        raise PackError(f"Aucune cible d'indicateur pour la convention {convention_id}.")

    def kept(level: str, code) -> bool:  # the rows this pack may show: the access cut, the territory
        code = "FR" if is_missing(code) else str(code)
        return access.may_see(level, code) and (not territory or code == territory)

    def cut(frame: pd.DataFrame) -> pd.DataFrame:  # a scorecard's targeted rows that pass `kept`
        if frame.empty:
            return frame
        frame = frame[frame["label"].notna()]
        return frame[[kept(level, code) for level, code in zip(frame["level"], frame["territory_code"])]]

    card = cut(card)
    if card.empty:
        raise PackError(f"Aucun indicateur de la convention {convention_id} pour le territoire "
                        f"{territory or access.territory_label}.")
    card = seance.ordered(card)
    place = territory_label(row, card, territory)
    out_dir = Path(out_dir)
    charts_dir, tables_dir = out_dir / "graphiques", out_dir / "tableaux"
    for folder in (charts_dir, tables_dir):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    pack = Pack(out_dir, out_dir / exports.file_name("bilan", convention_id, place, as_of=as_of, ext="pdf"))
    manifest = store.manifest
    demo = bool(manifest.get("demo"))

    def caption(title: str, where: str = place) -> exports.Caption:
        return exports.caption_from_manifest(title, where, as_of, manifest)

    def write(path: Path, content: bytes) -> str:
        path.write_bytes(content)
        pack.files.append(path)
        return str(path.relative_to(out_dir))

    def write_table(parts: tuple, frame: pd.DataFrame, columns: dict, title: str, where: str) -> None:
        """One table as CSV and as XLSX (codes as text, numbers and dates as such, title row), same name."""
        write(tables_dir / exports.file_name(*parts, as_of=as_of, ext="csv"),
              tables.csv_bytes(frame, columns, demo=demo))
        write(tables_dir / exports.file_name(*parts, as_of=as_of, ext="xlsx"),
              tables.xlsx_bytes(frame, columns, title=title, territory=where, as_of=as_of, demo=demo))

    shown = convention_view.scorecard_display(card)
    write_table(("tableau_de_bord", convention_id, place), card, convention_view.SCORECARD_EXPORT,
                f"{row['title']} : tableau de bord", place)
    write(charts_dir / exports.file_name("00_tableau_de_bord", convention_id, place, as_of=as_of),
          render(charts.table_figure(shown, status_column="Statut"), caption(f"{row['title']} : tableau de bord")))

    targets = convention.read_targets(store, convention_id)
    meetings = convention.meeting_dates(milestones) if len(milestones) else []
    pack.timings["scorecard_s"] = time.perf_counter() - started
    images: dict[int, str] = {}   # card row -> its chart in the pack
    series_text: dict[int, str] = {}
    for number, (index, item) in enumerate(card.iterrows(), start=1):
        say(0.05 + 0.75 * (number - 1) / len(card), f"{item['label']} – {item['territory_name']}")
        spec = indicators.get(item["indicator_id"])
        tick = time.perf_counter()
        series = convention.indicator_series(store, spec.id, item["level"], item["territory_code"],
                                             convention.series_start(signed_on, as_of, item), as_of)
        pack.timings["series_s"] = pack.timings.get("series_s", 0) + time.perf_counter() - tick
        title = convention_view.chart_title(item)
        figure = charts.indicator_trajectory(series, convention.row_targets(targets, item),
                                             baseline=convention.row_baseline(item), meetings=meetings, as_of=as_of,
                                             title=title, unit=spec.unit, direction=spec.direction)
        stem = (f"{number:02d}", spec.id, item["territory_name"])
        tick = time.perf_counter()
        images[index] = write(charts_dir / exports.file_name(*stem, as_of=as_of),
                              render(figure, caption(title, item["territory_name"]), width=CHART_SIZE[0],
                                     height=CHART_SIZE[1], scale=SCALE))
        pack.timings["render_s"] = pack.timings.get("render_s", 0) + time.perf_counter() - tick
        write_table(stem, series, convention_view.SERIES_COLUMNS, title, item["territory_name"])
        series_text[index] = series_line(series, spec.unit)

    say(0.82, "Départements")
    sections = []
    for indicator_id, rows in card.groupby("indicator_id", sort=False):
        spec = indicators.get(indicator_id)
        departments = rows[rows["level"] == "departement"]
        for index, item in rows.iterrows():
            if item["level"] == "departement" and len(departments) > 1:
                continue
            sections.append(_solo_section(item, shown.loc[index], spec, images[index], series_text[index], as_of))
        if len(departments) > 1:
            section = _department_section(card, departments, shown, spec, as_of)
            figure = charts.ranked_bars(section.pop("chart_frame"), "name", "value", section["chart_title"],
                                        spec.unit, **section.pop("chart_options"))
            number = card.index.get_loc(departments.index[0]) + 1
            section["image"] = write(
                charts_dir / exports.file_name(f"{number:02d}", spec.id, "departements", place, as_of=as_of),
                render(figure, caption(section["chart_title"]), width=CHART_SIZE[0], height=CHART_SIZE[1],
                       scale=SCALE))
            sections.append(section)
    pack.timings["indicators_s"] = time.perf_counter() - started - pack.timings["scorecard_s"]

    say(0.87, "Feuille de route, jalons et relevés de séance")
    roadmap = convention.roadmap(store, convention_id, as_of)
    actions = convention_view.actions_frame(roadmap, as_of)
    action_columns = convention_view.roadmap_columns(actions) if len(actions) else convention_view.ACTION_COLUMNS
    if len(actions):
        write_table(("feuille_de_route", convention_id), actions, action_columns,
                    f"{row['title']} : feuille de route", place)
    milestone_image = ""
    shown_milestones = convention_view.milestones_frame(milestones, as_of) if len(milestones) else pd.DataFrame()
    if len(milestones):
        milestone_image = write(
            charts_dir / exports.file_name("jalons", convention_id, as_of=as_of),
            render(charts.timeline(convention_view.milestones_frame(milestones), "milestone_date", "label", "type_label",
                                   as_of, ""), caption(f"{row['title']} : jalons de suivi"),
                   width=CHART_SIZE[0], height=480, scale=SCALE))
        write_table(("jalons", convention_id), shown_milestones, convention_view.MILESTONE_COLUMNS,
                    f"{row['title']} : jalons de suivi", place)

    held = records.latest_until(records_dir, convention_id, as_of)
    labels = dict(zip(actions.get("action_id", []), actions.get("label", [])))
    recorded = records_frame(held, kept, labels)
    if len(recorded):
        write_table(("releves_seances", convention_id, place), recorded, RECORD_COLUMNS,
                    f"{row['title']} : relevés de séance", place)

    compared = None
    if compare_from is not None:
        say(0.9, f"Comparaison avec le {formatting.date(compare_from)}")
        compared = _comparison(cut(convention.scorecard(store, convention_id, compare_from)), card,
                               convention.roadmap(store, convention_id, compare_from),
                               roadmap, compare_from, as_of)
        title = f"{row['title']} : comparaison du {formatting.date(compare_from)} et du {formatting.date(as_of)}"
        write_table(("comparaison", convention_id, place, compare_from.isoformat()), compared.pop("indicators_frame"),
                    convention_view.COMPARISON_EXPORT, title, place)
        if len(changed := compared.pop("actions_frame")):
            write_table(("actions_changees", convention_id, compare_from.isoformat()),
                        convention_view.changed_actions_words(changed),
                        convention_view.CHANGED_ACTIONS_EXPORT,
                        f"{row['title']} : actions dont le statut a changé entre le {formatting.date(compare_from)} "
                        f"et le {formatting.date(as_of)}", place)

    say(0.92, "Rapport PDF")
    statuses = [status for status in card["status"] if isinstance(status, str)]
    late = actions[actions["overdue"]] if len(actions) else actions
    data = {
        "title": str(row["title"]), "source": exports.SOURCE,
        "kicker": f"Bilan de la convention · {place}",
        "subtitle": f"Situation au {formatting.date(as_of)}",
        "as_of": formatting.date(as_of),
        "footer": f"{row['title']} · {place} · situation au {formatting.date(as_of)} · "
                  f"données extraites le {formatting.date((manifest.get('built_at') or '')[:10] or None)}",
        "cover": _cover(row, place, as_of, manifest, validation),
        "warning": "Données de démonstration : personnes et mandats fictifs. Ne pas utiliser pour un bilan réel."
        if demo else "",
        "demo_mark": exports.DEMO_MARK if demo else "",  # in the corner of every page
        "tints": {vocabulary.status_label(s): tint for s, tint in charts.STATUS_TINTS.items()},
        "counts": [[vocabulary.status_label(s), formatting.number(statuses.count(s))]
                   for s in vocabulary.STATUSES] if statuses else [],
        "no_status": "" if statuses else _no_status(card),
        "synthesis": synthesis(card, late, held[-1] if held else None, kept, labels, validation, as_of),
        "comparison": compared,
        "sections": sections,
        "roadmap_note": f"Actions et statuts tels qu'au {formatting.date(as_of)}, les actions en retard d'abord ; une "
                        "action ni faite ni abandonnée après son échéance est en retard.",
        "roadmap": _table(actions, action_columns, ROADMAP_WIDTHS),
        "milestones": {**_table(shown_milestones, convention_view.MILESTONE_COLUMNS,
                                {"Date": "auto", "Type": "auto", "Jalon": "1fr", "État": "auto"}),
                       "image": milestone_image},
        "methods": methods(),
        "definitions": [[spec.label, f"numérateur : {spec.numerator}"
                         + (f" ; dénominateur : {spec.denominator}" if spec.denominator else "")
                         + f" ; source : {spec.source}"]
                        for spec in (indicators.get(i) for i in dict.fromkeys(card["indicator_id"]))],
        "sources": sources_table(manifest),
        "validation": _validation_block(validation),
    }
    tick = time.perf_counter()
    _typeset(data, pack.pdf, out_dir)
    pack.timings["typst_s"] = time.perf_counter() - tick
    pack.files.append(pack.pdf)
    if validation.validated_by:
        records.append_validation(records_dir, {
            "convention_id": convention_id, "as_of": as_of, "territory": territory or "",
            "prepared_for": validation.meeting, "prepared_for_label": validation.meeting_label,
            "validated_by": validation.validated_by, "validated_on": validation.validated_on,
            "pdf": pack.pdf.name, "pdf_sha256": hashlib.sha256(pack.pdf.read_bytes()).hexdigest(),
            "written_at": dt.datetime.now().isoformat(timespec="seconds")})
    pack.timings["total_s"] = time.perf_counter() - started
    say(1.0, "Terminé")
    return pack


# --- who gets what: the access cut of the pages ----------------------------------------------------------------

def visible_convention(row, access: Access) -> bool:
    """The Convention page's rule: a user sees national conventions and those of the user's own région."""
    region = row.get("region_code")
    return access.level == "national" or is_missing(region) or not region or region == access.region


def pack_territory(access: Access, territory: str | None) -> str | None:
    """The territory of the pack: a délégation départementale's is always its own département."""
    if access.level != "departement":
        return territory
    if territory not in (None, access.code):
        raise PackError(f"Le territoire {territory} est hors de vos droits : le dossier de bilan d'une délégation "
                        f"départementale porte sur son département ({access.territory_label}).")
    return access.code


def territory_label(row, card: pd.DataFrame, territory: str | None) -> str:
    if territory:
        return str(card["territory_name"].iloc[0])
    return convention.territory_name(row)


# --- the validation block -----------------------------------------------------------------------------------------

def meeting_choices(milestones: pd.DataFrame, as_of: dt.date) -> dict[dt.date, str]:
    """The follow-up groups and reviews a bilan may be prepared for: from the as-of date on (the next one first,
    the default), then the past ones, most recent first."""
    if milestones is None or milestones.empty:
        return {}
    rows = milestones[milestones["milestone_type"].isin(PREPARED_FOR_TYPES)]
    found = {as_date(d): f"{vocabulary.MILESTONE_TYPES[t]} du {formatting.date(as_date(d))} – {label}"
             for d, t, label in zip(rows["milestone_date"], rows["milestone_type"], rows["label"])}
    coming = sorted(d for d in found if d >= as_of)
    past = sorted((d for d in found if d < as_of), reverse=True)
    return {d: found[d] for d in [*coming, *past]}


def validate(milestones: pd.DataFrame, as_of: dt.date, meeting: dt.date | None, validated_by: str | None,
             validated_on: dt.date | None) -> Validation:
    """The validation block's content, or PackError: a meeting that is not a follow-up group or review of the
    convention, a name holding an e-mail address or a phone number, a date without a name."""
    choices = meeting_choices(milestones, as_of)
    if meeting is None:
        meeting = next((d for d in choices if d >= as_of), None)
    elif meeting not in choices:
        known = ", ".join(formatting.date(d) for d in sorted(choices)) or "aucune"
        raise PackError(f"Aucun groupe de suivi ni revue le {formatting.date(meeting)} dans les jalons de la "
                        f"convention (dates possibles : {known}).")
    name = " ".join((validated_by or "").split())
    if len(name) > MAX_NAME:
        raise PackError(f"Le nom de la personne qui valide dépasse {MAX_NAME} caractères.")
    why = records.personal_data(name)
    if why:
        raise PackError(f"Le nom de la personne qui valide contient {why} : indiquez seulement son nom (et sa "
                        "fonction).")
    if validated_on is not None and not name:
        raise PackError("Une date de validation demande le nom de la personne qui valide.")
    return Validation(meeting, choices.get(meeting, ""), name,
                      (validated_on or dt.date.today()) if name else None)


def _validation_block(validation: Validation) -> dict:
    return {"prepared_for": validation.meeting_label or "–",
            "validated_by": validation.validated_by, "validated_on": formatting.date(validation.validated_on)
            if validation.validated_on else ""}


# --- the synthesis page -------------------------------------------------------------------------------------------

def _place(item) -> str:
    if item["level"] == "departement":
        return f"{item['territory_name']} ({item['territory_code']})"
    return str(item["territory_name"])


def _remark(item) -> str:
    """Why a row has no status or is not evaluable, and the caveats on its value (as the page's « Remarque »)."""
    parts = []
    reason = item.get("status_reason")
    if isinstance(reason, str) and reason and (not isinstance(item.get("status"), str)
                                               or item["status"] == vocabulary.STATUS_NOT_EVALUABLE):
        parts.append(reason)
    if isinstance(item.get("note"), str) and item["note"]:
        parts.append(item["note"])
    return " ; ".join(parts)


def synthesis(card: pd.DataFrame, late: pd.DataFrame, record: dict | None, kept, labels: dict,
               validation: Validation, as_of: dt.date) -> dict:
    """Every indicator with its value, target, change since the last follow-up group and status; the late actions;
    the decisions of the last meeting's record on or before the as-of date."""
    rows, notes, previous = [], {}, None   # a remark shared by several rows (no signature yet) is one note
    for _, item in card.iterrows():
        status = vocabulary.status_label(item["status"])
        remark = _remark(item)
        if remark:
            number = notes.setdefault(remark, len(notes) + 1)
            status = f"{status} ({number})"
        target = "–" if is_missing(item["target"]) else \
            f"{formatting.value_with_unit(item['target'], item['unit'])} ({int(item['target_year'])})"
        rows.append(["" if item["label"] == previous else str(item["label"]), _place(item),
                     formatting.value_with_unit(item["value"], item["unit"], bool(item["masked"])), target,
                     convention_view.change_text(item["since_last_meeting"], item["unit"]), status])
        previous = item["label"]
    last = card["last_meeting"].dropna()
    change_note = (f"Évolution depuis le groupe de suivi du {formatting.date(last.iloc[0])}." if len(last) else
                   f"Aucun groupe de suivi avant le {formatting.date(as_of)} : pas d'évolution à donner.")
    counts = [f"{vocabulary.status_label(s)} : {formatting.number(int((card['status'] == s).sum()))}"
              for s in vocabulary.STATUSES]
    intro = f"{formatting.number(len(card))} indicateur(s) et territoire(s) suivis · " + (
        " · ".join(counts) if card["status"].map(lambda s: isinstance(s, str)).any() else "aucun statut à cette date")
    late_rows = [[str(r.get(name) or "") if name != "due_date" else formatting.date(r[name])
                  for name in LATE_ACTIONS] for _, r in late.iterrows()]
    return {
        "prepared_for": f"Préparé pour : {validation.meeting_label}" if validation.meeting_label else "",
        "intro": intro,
        "indicators": {"header": list(SYNTHESIS), "rows": rows, "widths": list(SYNTHESIS.values()),
                       "status": len(SYNTHESIS) - 1},
        "notes": [f"({number}) {remark[:1].upper()}{remark[1:]}." for remark, number in notes.items()],
        "change_note": change_note,
        "late": {"header": [h for h, _ in LATE_ACTIONS.values()], "rows": late_rows,
                 "widths": [w for _, w in LATE_ACTIONS.values()]},
        "decisions": _decisions(record, kept, labels, card),
    }


def _decisions(record: dict | None, kept, labels: dict, card: pd.DataFrame) -> dict:
    if record is None:
        return {"caption": "Aucun relevé de séance à cette date : aucune séance n'a été close dans l'observatoire.",
                "header": [], "rows": [], "widths": DECISION_WIDTHS}
    by_key = {records.row_key(r): r for r in record.get("scorecard", [])}
    rows = []
    for key, note in (record.get("indicator_notes") or {}).items():
        item = by_key.get(key)
        indicator_id, level, code = (key.split("|") + ["", "", ""])[:3]
        if not kept(level, code):
            continue
        place = (item or {}).get("territory_name") or code
        rows.append([f"{(item or {}).get('label') or indicator_id} – {place}", note.get("comment") or "",
                     note.get("decision") or ""])
    for action_id, note in (record.get("action_notes") or {}).items():
        rows.append([f"Action {action_id}" + (f" – {labels[action_id]}" if labels.get(action_id) else ""),
                     note.get("comment") or "", note.get("decision") or ""])
    caption = (f"Relevé de la séance du {formatting.date(record['meeting_date'])} (version {record.get('version', 1)}"
               f", close le {formatting.date(str(record.get('closed_at', ''))[:10] or None)}) · organisations "
               f"présentes : {', '.join(record.get('organisations', []))}.")
    if not rows:
        caption += " Aucun commentaire ni décision enregistré."
    return {"caption": caption, "header": ["Objet", "Commentaire", "Décision"], "rows": rows,
            "widths": DECISION_WIDTHS}


def records_frame(held: list[dict], kept, labels: dict) -> pd.DataFrame:
    """The séance records as one table: per meeting (latest version), each indicator row the room saw with its value,
    status, comment and decision, then each action discussed. Who closed the séance is not exported."""
    rows = []
    for record in held:
        common = {"meeting_date": as_date(record["meeting_date"]), "version": record.get("version", 1),
                  "closed_on": as_date(str(record.get("closed_at", ""))[:10]) if record.get("closed_at") else None,
                  "organisations": ", ".join(record.get("organisations", []))}
        notes = record.get("indicator_notes") or {}
        for item in record.get("scorecard", []):
            if not kept(item.get("level"), item.get("territory_code")):
                continue
            note = notes.get(records.row_key(item), {})
            rows.append({**common, "kind": "Indicateur", "label": item.get("label"),
                         "territory": item.get("territory_name"), "value": item.get("value"),
                         "unit": item.get("unit"), "masked": bool(item.get("masked")),
                         "status": vocabulary.status_label(item.get("status")) if item.get("status") else "–",
                         "comment": note.get("comment", ""), "decision": note.get("decision", "")})
        for action_id, note in (record.get("action_notes") or {}).items():
            rows.append({**common, "kind": "Action", "label": f"{action_id} – {labels.get(action_id, '')}".rstrip(" –"),
                         "territory": "", "value": None, "unit": "", "masked": False, "status": "",
                         "comment": note.get("comment", ""), "decision": note.get("decision", "")})
    return pd.DataFrame(rows, columns=[*RECORD_COLUMNS, "masked"])


# --- indicator sections -------------------------------------------------------------------------------------------

def series_line(series: pd.DataFrame, unit: str) -> str:
    """The figures behind a chart in one paragraph: « 21/01/2026 : 24,0 % · 01/02/2026 : 23,8 % · … »."""
    cells = []
    for day, value, masked in zip(series["day"], series["value"], series["masked"]):
        shown = formatting.value_with_unit(value, unit, bool(masked)) if bool(masked) or not is_missing(value) else "–"
        cells.append(f"{formatting.date(as_date(day))} : {shown}")
    return " · ".join(cells)


def _facts(lines: pd.DataFrame, remark_column: bool = True) -> dict:
    """Scorecard lines as on the page (territory and label are the heading), without an empty « Remarque »; for one
    line, its remark goes under the table (`remark`) rather than in a narrow column."""
    lines = lines.drop(columns=[c for c in ("Indicateur", "Territoire") if c in lines])
    remarks = lines.pop("Remarque").fillna("").astype(str).str.strip() if "Remarque" in lines else pd.Series(dtype=str)
    remark = ""
    if remarks.any() and remark_column:
        lines["Remarque"] = remarks
    elif remarks.any():
        remark = f"Remarque : {' ; '.join(r for r in remarks if r)}"
    header = list(lines.columns)
    return {"header": header, "rows": lines.astype(str).values.tolist(), "remark": remark,
            "widths": [FACT_WIDTHS.get(c, "1fr") for c in header], "status": header.index("Statut")}


def _solo_section(item, shown_row, spec, image: str, series: str, as_of: dt.date) -> dict:
    message = seance.message(item, as_of)
    message = message.removeprefix(f"{item['label']} : ")  # the heading names the indicator
    return {"kind": "chart", "title": f"{item['label']} – {_place(item)}", "definition": spec.definition,
            "message": message[:1].upper() + message[1:], "image": image,
            "facts": _facts(shown_row.to_frame().T, remark_column=False),
            "series": series, "series_note": "au 1er de chaque mois" if spec.measure in convention.MONTHLY_MEASURES
            else "au 1er de chaque trimestre"}


def _department_section(card: pd.DataFrame, departments: pd.DataFrame, shown: pd.DataFrame, spec,
                        as_of: dt.date) -> dict:
    """The départements the convention targets for one indicator on one page: their values ranked (the région's as
    reference, late ones in orange) and their scorecard lines; each département's own chart is in the pack."""
    lines = shown.loc[departments.index].drop(columns=["Indicateur", "Territoire"])
    lines.insert(0, "Département", [_place(r) for _, r in departments.iterrows()])
    regions = card[(card["indicator_id"] == spec.id) & (card["level"] == "region")]
    behind = departments["status"].isin([vocabulary.STATUS_LATE, vocabulary.STATUS_MISSED])
    readable = departments[departments["value"].notna() & ~departments["masked"].fillna(False).astype(bool)]
    # The région's value is said in the message, not drawn: a reference line would cross the values' labels.
    counts = [f"{vocabulary.status_label(s)} : {int((departments['status'] == s).sum())}"
              for s in vocabulary.STATUSES if (departments["status"] == s).any()]
    region = [f"{r['territory_name']} : {formatting.value_with_unit(r['value'], r['unit'], bool(r['masked']))}"
              for _, r in regions.iterrows()]
    options = {"highlight": [_place(r) for _, r in departments[behind].iterrows()]} if behind.any() else {}
    return {"kind": "departments", "title": f"{spec.label} – par département", "definition": spec.definition,
            "message": " · ".join([f"{formatting.number(len(departments))} départements ciblés par la convention",
                                   *counts, *region]),
            "chart_title": f"{spec.label} par département" + (" (en orange : en retard)" if behind.any() else ""),
            "chart_frame": pd.DataFrame({"name": [_place(r) for _, r in readable.iterrows()],
                                         "value": readable["value"].astype(float).to_numpy()}),
            "chart_options": options,
            "facts": _facts(lines),
            "note": "La trajectoire de chaque département vers sa cible est jointe en PNG (dossier « graphiques ») "
                    "avec ses chiffres (dossier « tableaux »)."}


# --- tables, cover, annex -----------------------------------------------------------------------------------------

def _table(frame: pd.DataFrame, columns: dict, widths: dict[str, str]) -> dict:
    header = [c.label for c in columns.values()]
    rows = [] if frame is None or frame.empty else tables.display(frame, columns).astype(str).values.tolist()
    return {"header": header, "rows": rows, "widths": [widths.get(h, "1fr") for h in header]}


COMPARISON_WIDTHS = ["2.1fr", "1.5fr", "0.9fr", "0.9fr", "0.85fr", "1.3fr", "1.4fr"]
CHANGED_ACTION_WIDTHS = ["1.1cm", "2.6fr", "1.3fr", "1.9cm", "1.3fr", "1.6fr"]


def _comparison(first_card: pd.DataFrame, card: pd.DataFrame, first_roadmap: pd.DataFrame,
                roadmap: pd.DataFrame, first: dt.date, second: dt.date) -> dict:
    """The two dates side by side, as the Convention page shows them, for the PDF (indicators in the scorecard's
    order, status counts at both dates, changed actions) and the frames written as CSV/XLSX. Both scorecards are
    already cut to what the pack may show; an indicator targeted at one date only keeps an empty side."""
    frame = convention.compare_scorecards(first_card, card)
    order = {key: rank for rank, key in enumerate(zip(card["indicator_id"], card["level"], card["territory_code"]))}
    frame = frame.assign(_rank=[order.get(key, len(order)) for key in
                                zip(frame["indicator_id"], frame["level"], frame["territory_code"])])
    frame = frame.sort_values("_rank", kind="stable").drop(columns="_rank").reset_index(drop=True)
    actions = convention.changed_actions(first_roadmap, roadmap)
    a, b = formatting.date(first), formatting.date(second)
    moves = convention_view.status_moves(frame) if len(frame) else {}
    shown = convention_view.comparison_display(frame, first, second) if len(frame) else pd.DataFrame()
    changed_actions = convention_view.changed_actions_display(actions, first, second) if len(actions) else \
        pd.DataFrame()
    changed = int(frame["status_changed"].sum()) if len(frame) else 0
    return {
        "title": f"Évolution du {a} au {b}",
        "intro": f"Chaque indicateur de la convention au {a} et au {b} : sa valeur, son évolution (seconde valeur "
                 "moins la première, en points pour un taux) et son statut à chaque date, celui du tableau de bord "
                 f"à cette date ; ◆ marque un statut qui a changé ({formatting.number(changed)}).",
        "counts": [[vocabulary.status_label(s), f"{formatting.number(before)} → {formatting.number(after)}"]
                   for s, (before, after) in moves.items()],
        "indicators": {"header": list(shown.columns), "rows": shown.astype(str).values.tolist(),
                       "widths": COMPARISON_WIDTHS, "status": len(shown.columns) - 1} if len(shown) else
        {"header": [], "rows": [], "widths": [], "status": None},
        "actions_title": f"Actions de la feuille de route dont le statut a changé entre le {a} et le {b}",
        "actions": {"header": list(changed_actions.columns), "rows": changed_actions.astype(str).values.tolist(),
                    "widths": CHANGED_ACTION_WIDTHS},
        "indicators_frame": frame, "actions_frame": actions,
    }


def _no_status(card: pd.DataFrame) -> str:
    reasons = [r for r in card["status_reason"] if isinstance(r, str) and r]
    return f"Aucun statut : {reasons[0]}." if reasons else "Aucun statut à cette date."


def _cover(row, place: str, as_of: dt.date, manifest: dict, validation: Validation) -> list[list[str]]:
    finess = manifest.get("extract_date")
    return [
        ["Convention", str(row["title"])],
        ["Signataires", " et ".join(str(p) for p in (row.get("party_ars"), row.get("party_association"))
                                    if isinstance(p, str) and p) or "–"],
        ["Signée le", formatting.date(as_date(row["signed_on"])) if not is_missing(row["signed_on"]) else "–"],
        ["Période", f"du {formatting.date(as_date(row['start_date']))} au {formatting.date(as_date(row['end_date']))}"],
        ["Territoire", place],
        ["Situation au", formatting.date(as_of)],
        ["Préparé pour", validation.meeting_label or "–"],
        ["Données extraites le", formatting.date((manifest.get("built_at") or "")[:10] or None)],
        ["Extraction FINESS du", formatting.date(finess) if finess else "–"],
        ["Lignes rejetées à l'import", formatting.number((manifest.get("rejects") or {}).get("errors", 0))],
    ]


def sources_table(manifest: dict) -> dict:
    """One line per source: its file (or how many, files_text), its date (extraction for FINESS, reading for
    the others), rows kept and rejected."""
    built = (manifest.get("built_at") or "")[:10] or None
    rows = []
    for source, info in (manifest.get("sources") or {}).items():
        files = info.get("files", [])
        shown = files_text(sorted(str(f.get("file", "")) for f in files))
        unread = sum(1 for f in files if f.get("read") is False)
        if unread:
            shown += f", dont {formatting.number(unread)} non lu(s)"
        extracts = sorted(str(f["extract_date"]) for f in files if f.get("extract_date"))
        when = f"extrait le {formatting.date(extracts[-1])}" if extracts else f"lu le {formatting.date(built)}"
        rows.append([vocabulary.SOURCE_LABELS.get(source, source), shown, when,
                     formatting.number(sum(int(f.get("rows_kept") or 0) for f in files)),
                     formatting.number(sum(int(f.get("rows_rejected") or 0) for f in files))])
    return {"header": ["Source", "Fichier(s)", "Date", "Conservées", "Rejetées"], "rows": rows,
            "widths": ["1.7fr", "2.4fr", "auto", "auto", "auto"]}


def files_text(names: list[str]) -> str:
    """A source's files in a few words: its name when there is one, else how many and the name they share
    (« 252 fichiers demo_arretes_….csv »)."""
    if len(names) <= 1:
        return names[0] if names else "aucun fichier"
    prefix = os.path.commonprefix(names)
    suffixes = {Path(name).suffix for name in names}
    pattern = f" {prefix}…{suffixes.pop() if len(suffixes) == 1 else ''}" if len(prefix) >= 3 else ""
    return f"{formatting.number(len(names))} fichiers{pattern}"


def _typeset(data: dict, pdf: Path, root: Path) -> None:
    import typst

    source, data_file = root / "bilan.typ", root / "bilan.json"
    shutil.copyfile(TEMPLATE, source)
    data_file.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    if os.environ.get("OBSERVATOIRE_KEEP_BILAN_JSON"):
        shutil.copyfile(data_file, os.environ["OBSERVATOIRE_KEEP_BILAN_JSON"])
    try:
        typst.compile(str(source), output=str(pdf), root=str(root),
                      font_paths=[d for d in FONT_DIRS if Path(d).is_dir()])
    finally:
        source.unlink(missing_ok=True)
        data_file.unlink(missing_ok=True)


def zip_bytes(pack: Pack) -> bytes:
    """The pack as one ZIP (the app offers it for download)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in pack.files:
            archive.write(path, arcname=str(path.relative_to(pack.folder)))
    return buffer.getvalue()


def build_zip(store: Store, convention_id: str, as_of: dt.date, territory: str | None = None,
              progress: Callable[[float, str], None] | None = None, **options) -> tuple[str, bytes]:
    """The pack built in a temporary folder and returned as (ZIP file name, bytes): what the app offers. `options`
    are build's (access, meeting, validated_by, validated_on, records_dir, compare_from)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bilan-") as folder:
        pack = build(store, convention_id, as_of, Path(folder), territory, progress=progress, **options)
        return pack.pdf.with_suffix(".zip").name, zip_bytes(pack)
