"""The bilan pack of a convention at a date: a PDF report (typst), every chart as PNG, every table as CSV and XLSX."""
from __future__ import annotations

import datetime as dt
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

from observatoire.base import formatting, vocabulary
from observatoire.base.dates import as_date, is_missing
from observatoire.base.db import Store
from observatoire.domain import convention, indicators
from observatoire.present import charts, exports, seance, tables
from observatoire.present import convention as convention_view

TEMPLATE = Path(__file__).with_name("bilan.typ")
FONT_DIRS = ["/usr/share/fonts/truetype/dejavu"]
CHART_SIZE = (1100, 560)  # drawn at scale 2: 2200×1120 pixels, text legible on A4
SCALE = 2
STATUS_ORDER = [vocabulary.STATUS_REACHED, vocabulary.STATUS_ON_TRACK, vocabulary.STATUS_LATE,
                vocabulary.STATUS_NOT_EVALUABLE]
SCORECARD_WIDTHS = {"Indicateur": "1.8fr", "Territoire": "1.3fr", "Valeur": "0.9fr", "Cible": "1fr",
                    "Écart à la cible": "0.9fr", "Référence": "1.3fr", "Depuis le dernier groupe de suivi": "1fr",
                    "Statut": "1.2fr", "Remarque": "1.6fr"}
ROADMAP_WIDTHS = {"action_id": "auto", "axis": "1.2fr", "label": "2.4fr", "owner": "1.1fr", "due_date": "auto",
                  "status_fr": "1fr", "lateness": "auto"}
METHODS = [
    ("Statuts", "✔ atteint : la valeur a atteint la cible de l'année. ↗ en bonne voie : la valeur est du bon côté de "
                "la trajectoire linéaire qui va de la valeur de référence à la cible. ⚠ en retard : elle est du "
                "mauvais côté. ○ non évaluable : valeur masquée, absente, ou aucune valeur de référence depuis la "
                "signature (une donnée manquante n'est jamais « en retard »). Avant la signature, aucun statut."),
    ("Valeur de référence", "La valeur à la date de signature ; si elle est masquée ou absente, la première valeur "
                            "connue après la signature, avec sa date. Pour une campagne de nomination : 0 à son "
                            "ouverture."),
    ("Secret statistique", "Les effectifs de personnes inférieurs à 11 sont masqués (« masqué ») dans le rapport, "
                           "les graphiques et les tableaux CSV et XLSX."),
    ("Séries", "Indicateurs de sièges : valeur au 1er de chaque mois depuis la signature. Autres indicateurs : au "
               "1er de chaque trimestre. La date de situation termine chaque série."),
    ("Fichiers joints", "Chaque graphique du rapport est joint en PNG (dossier « graphiques ») et chaque tableau en "
                        "CSV (UTF-8 avec BOM, séparateur « ; », virgule décimale) et en XLSX pour Excel (codes et "
                        "n° FINESS en texte, nombres et dates en valeurs ; dossier « tableaux »)."),
]


@dataclass
class Pack:
    folder: Path
    pdf: Path
    files: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


class PackError(ValueError):
    """A bilan that cannot be built (unknown convention or territory); the message is French."""


def build(store: Store, convention_id: str, as_of: dt.date, out_dir: Path, territory: str | None = None,
          progress: Callable[[float, str], None] | None = None,
          render: Callable[..., bytes] = exports.png) -> Pack:
    """Write the pack into `out_dir` (created, emptied of a previous pack) and return what was written."""
    started = time.perf_counter()
    say = progress or (lambda fraction, text: None)
    if render is exports.png:  # start Chromium while the scorecard is computed
        threading.Thread(target=exports.renderer().warm, name="bilan-warm", daemon=True).start()
    row = convention.read_convention(store, convention_id)
    if row is None:
        raise PackError(f"Convention inconnue : {convention_id}")
    signed_on = as_date(row["signed_on"])
    say(0.02, "Tableau de bord")
    card = convention.scorecard(store, convention_id, as_of)
    if card.empty:
        raise PackError(f"Aucune cible d'indicateur pour la convention {convention_id}.")
    card = card[card["label"].notna()]
    if territory:
        card = card[card["territory_code"] == territory]
        if card.empty:
            raise PackError(f"Aucun indicateur de la convention {convention_id} pour le territoire {territory}.")
    card = seance.ordered(card)
    place = territory_label(row, card, territory)
    out_dir = Path(out_dir)
    charts_dir, tables_dir = out_dir / "graphiques", out_dir / "tableaux"
    for folder in (charts_dir, tables_dir):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    pack = Pack(out_dir, out_dir / exports.file_name("bilan", convention_id, place, as_of=as_of, ext="pdf"))
    manifest = store.manifest

    def caption(title: str) -> exports.Caption:
        return exports.caption_from_manifest(title, place, as_of, manifest)

    def write(path: Path, content: bytes) -> str:
        path.write_bytes(content)
        pack.files.append(path)
        return str(path.relative_to(out_dir))

    demo = bool(manifest.get("demo"))

    def write_table(parts: tuple, frame: pd.DataFrame, columns: dict, title: str, territory: str) -> None:
        """One table as CSV and as XLSX (codes as text, numbers and dates as such, title row), same name."""
        write(tables_dir / exports.file_name(*parts, as_of=as_of, ext="csv"),
              tables.csv_bytes(frame, columns, demo=demo))
        write(tables_dir / exports.file_name(*parts, as_of=as_of, ext="xlsx"),
              tables.xlsx_bytes(frame, columns, title=title, territory=territory, as_of=as_of, demo=demo))

    shown = convention_view.scorecard_display(card)
    write_table(("tableau_de_bord", convention_id, place), card, convention_view.SCORECARD_EXPORT,
                f"{row['title']} : tableau de bord", place)
    write(charts_dir / exports.file_name("00_tableau_de_bord", convention_id, place, as_of=as_of),
          render(charts.table_figure(shown, status_column="Statut"), caption(f"{row['title']} : tableau de bord")))

    targets = convention.read_targets(store, convention_id)
    milestones = convention.read_milestones(store, convention_id)
    meetings = convention.meeting_dates(milestones) if len(milestones) else []
    sections: dict[str, dict] = {}
    pack.timings["scorecard_s"] = time.perf_counter() - started
    for number, (_, item) in enumerate(card.iterrows(), start=1):
        say(0.05 + 0.8 * (number - 1) / len(card), f"{item['label']} – {item['territory_name']}")
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
        image = write(charts_dir / exports.file_name(*stem, as_of=as_of),
                      render(figure, exports.caption_from_manifest(title, item["territory_name"], as_of, manifest),
                             width=CHART_SIZE[0], height=CHART_SIZE[1], scale=SCALE))
        pack.timings["render_s"] = pack.timings.get("render_s", 0) + time.perf_counter() - tick
        write_table(stem, series, convention_view.SERIES_COLUMNS, title, item["territory_name"])
        section = sections.setdefault(spec.id, {"label": spec.label, "definition": spec.definition, "rows": []})
        section["rows"].append({
            "territory": f"{vocabulary.LEVEL_NAMES.get(item['level'], '')} · {item['territory_name']}",
            "message": seance.message(item, as_of), "image": image,
            "facts": _facts(shown.loc[number - 1]),
            "series": _table(series.assign(day=[as_date(d) for d in series["day"]]),
                             {"day": tables.Col("Date", "date"), "value": tables.Col("Valeur", "float")},
                             values=lambda v, r, unit=spec.unit: formatting.value_with_unit(v, unit, bool(r["masked"]))
                             if not is_missing(v) or bool(r["masked"]) else "–"),
            "series_note": "au 1er de chaque mois" if spec.measure in convention.MONTHLY_MEASURES
            else "au 1er de chaque trimestre",
        })
    pack.timings["indicators_s"] = time.perf_counter() - started - pack.timings["scorecard_s"]

    say(0.87, "Feuille de route et jalons")
    actions = convention_view.actions_frame(convention.roadmap(store, convention_id, as_of), as_of)
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

    say(0.92, "Rapport PDF")
    counts = card["status"].value_counts()
    data = {
        "title": str(row["title"]), "source": exports.SOURCE,
        "kicker": f"Bilan de la convention · {place}",
        "subtitle": f"Situation au {formatting.date(as_of)}",
        "as_of": formatting.date(as_of),
        "footer": f"{row['title']} · {place} · situation au {formatting.date(as_of)} · "
                  f"données extraites le {formatting.date((manifest.get('built_at') or '')[:10] or None)}",
        "cover": _cover(row, place, as_of, manifest),
        "warning": "Données de démonstration : personnes et mandats fictifs. Ne pas utiliser pour un bilan réel."
        if demo else "",
        "demo_mark": exports.DEMO_MARK if demo else "",  # in the corner of every page
        "counts": [[f"{charts.STATUS_STYLE.get(s, ('', ''))[0]} {s}".strip(), formatting.number(int(counts.get(s, 0)))]
                   for s in STATUS_ORDER],
        "scorecard_note": "Statut : ✔ atteint · ↗ en bonne voie · ⚠ en retard · ○ non évaluable (voir « Méthodes »).",
        "scorecard": {"header": list(shown.columns), "rows": shown.astype(str).values.tolist(),
                      "widths": [SCORECARD_WIDTHS.get(c, "1fr") for c in shown.columns],
                      "status": list(shown.columns).index("Statut") if "Statut" in shown.columns else None},
        "sections": list(sections.values()),
        "roadmap_note": f"Actions et statuts tels qu'au {formatting.date(as_of)} ; une action ni faite ni abandonnée "
                        "après son échéance est en retard.",
        "roadmap": _table(actions, action_columns, widths=[ROADMAP_WIDTHS.get(n, "1fr") for n in action_columns]),
        "milestones": {**_table(shown_milestones, convention_view.MILESTONE_COLUMNS,
                                widths=["auto", "auto", "1fr", "auto"]), "image": milestone_image},
        "methods": [list(m) for m in METHODS],
        "definitions": [[spec.label, spec.id, spec.definition, f"Numérateur : {spec.numerator}"
                         + (f" ; dénominateur : {spec.denominator}" if spec.denominator else "")
                         + f" ; source : {spec.source}"]
                        for spec in (indicators.get(i) for i in dict.fromkeys(card["indicator_id"]))],
        "sources": _sources(manifest),
    }
    tick = time.perf_counter()
    _typeset(data, pack.pdf, out_dir)
    pack.timings["typst_s"] = time.perf_counter() - tick
    pack.files.append(pack.pdf)
    pack.timings["total_s"] = time.perf_counter() - started
    say(1.0, "Terminé")
    return pack


def territory_label(row, card: pd.DataFrame, territory: str | None) -> str:
    if territory:
        return str(card["territory_name"].iloc[0])
    return convention.territory_name(row)


def _facts(shown_row) -> dict:
    """The scorecard line of one indicator and territory, as on the page (territory and label are the heading)."""
    header = [c for c in shown_row.index if c not in ("Indicateur", "Territoire")]
    return {"header": header, "rows": [[str(shown_row[c]) for c in header]],
            "widths": [SCORECARD_WIDTHS.get(c, "1fr") for c in header], "status": header.index("Statut")}


def _table(frame: pd.DataFrame, columns: dict, widths: list[str] | None = None, values=None) -> dict:
    if frame is None or frame.empty:
        return {"header": [c.label for c in columns.values()], "rows": [], "widths": widths or ["1fr"] * len(columns)}
    if values is not None:  # one custom formatter for the value column (units, masking)
        rows = [[formatting.date(r["day"]), values(r["value"], r)] for _, r in frame.iterrows()]
    else:
        shown = tables.display(frame, columns)
        rows = shown.astype(str).values.tolist()
    return {"header": [c.label for c in columns.values()], "rows": rows,
            "widths": widths or ["1fr"] * len(columns)}


def _cover(row, place: str, as_of: dt.date, manifest: dict) -> list[list[str]]:
    finess = manifest.get("extract_date")
    return [
        ["Convention", str(row["title"])],
        ["Signataires", f"{row['party_ars']} et {row['party_association']}"],
        ["Signée le", formatting.date(as_date(row["signed_on"]))],
        ["Période", f"du {formatting.date(as_date(row['start_date']))} au {formatting.date(as_date(row['end_date']))}"],
        ["Territoire", place],
        ["Situation au", formatting.date(as_of)],
        ["Données extraites le", formatting.date((manifest.get("built_at") or "")[:10] or None)],
        ["Extraction FINESS du", formatting.date(finess) if finess else "–"],
        ["Lignes rejetées à l'import", formatting.number((manifest.get("rejects") or {}).get("errors", 0))],
    ]


def _sources(manifest: dict) -> dict:
    rows = []
    for source, info in (manifest.get("sources") or {}).items():
        for f in info.get("files", []):
            rows.append([source, str(f.get("file", "")), formatting.number(f.get("rows_read", 0)),
                         formatting.number(f.get("rows_kept", 0)), formatting.number(f.get("rows_rejected", 0)),
                         str(f.get("sha256", ""))[:12] + "…"])
    return {"header": ["Source", "Fichier", "Lues", "Conservées", "Rejetées", "SHA-256"], "rows": rows,
            "widths": ["auto", "1fr", "auto", "auto", "auto", "auto"]}


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
              progress: Callable[[float, str], None] | None = None) -> tuple[str, bytes]:
    """The pack built in a temporary folder and returned as (ZIP file name, bytes): what the app offers."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bilan-") as folder:
        pack = build(store, convention_id, as_of, Path(folder), territory, progress=progress)
        return pack.pdf.with_suffix(".zip").name, zip_bytes(pack)
