"""How the page « Déposer des fichiers » shows a check, a preview and the kept versions (French words, columns)."""
from __future__ import annotations

import pandas as pd

from observatoire.base import formatting
from observatoire.present.tables import Col

SOURCE_LABELS = {
    "finess": "Établissements (extrait FINESS)", "instances": "Instances et sièges",
    "nominations": "Nominations (arrêtés)", "formations": "Formations", "seances": "Séances des instances",
    "enquetes": "Enquêtes", "convention": "Convention (cibles, jalons, actions)",
    "campagnes": "Campagnes de nomination", "projets": "Projets de partenariat",
    "candidatures": "Candidatures (export « Démarches simplifiées »)",
}
TABLE_LABELS = {
    "establishments": "Établissements", "bodies": "Instances", "mandates": "Mandats", "trainings": "Formations",
    "meetings": "Séances", "surveys": "Enquêtes", "conventions": "Conventions", "targets": "Cibles",
    "milestones": "Jalons", "actions": "Actions de la feuille de route", "action_history": "Historique des actions",
    "campaigns": "Campagnes de nomination", "territories": "Territoires", "projects": "Projets de partenariat",
    "candidacies": "Candidatures",
}
FILE_COLUMNS = {"file": Col("Fichier"), "source_fr": Col("Source"), "saved_as": Col("Nom dans data/raw"),
                "read_fr": Col("Lu"), "rows_read": Col("Lignes lues", "int"), "rows_kept": Col("Conservées", "int"),
                "rows_rejected": Col("Rejetées", "int"), "rows_duplicate": Col("Doublons", "int")}
ISSUE_COLUMNS = {"file": Col("Fichier"), "line": Col("Ligne", "int"), "column": Col("Colonne"),
                 "value": Col("Valeur"), "severity": Col("Gravité"), "message_fr": Col("Message")}
TABLE_COLUMNS = {"label": Col("Table"), "before": Col("Avant", "int"), "after": Col("Après", "int"),
                 "change_fr": Col("Écart")}
REGION_COLUMNS = {"region": Col("Région"), "bodies": Col("Instances"), "seats": Col("Sièges"),
                  "mandates": Col("Mandats actifs"), "vacancy_rate": Col("Vacance des sièges désignés")}
VERSION_COLUMNS = {"in_service_fr": Col("En service"), "id": Col("Version"), "created_at": Col("Publiée le"),
                   "published_by": Col("Par"), "files_fr": Col("Fichiers bruts"), "mandates": Col("Mandats", "int"),
                   "bodies": Col("Instances", "int"), "candidacies": Col("Candidatures", "int"),
                   "rejected": Col("Lignes rejetées", "int")}
ARROW = " → "


def source_label(source: str | None) -> str:
    return SOURCE_LABELS.get(source, source or "")


def table_label(name: str) -> str:
    return f"{TABLE_LABELS[name]} ({name})" if name in TABLE_LABELS else name


def moved(before, after, kind: str = "int") -> str:
    """« 12 → 14 », or « 12 » when nothing moved (a rate: « 25,0 % → 8,3 % »)."""
    show = formatting.percent if kind == "percent" else formatting.number
    same = (pd.isna(before) and pd.isna(after)) or before == after
    return show(after) if same else f"{show(before)}{ARROW}{show(after)}"


def issues_frame(issues: list[dict]) -> pd.DataFrame:
    """Every problem found in the files brought in, errors first, then by file and line."""
    frame = pd.DataFrame(issues, columns=["source", "file", "line", "column", "value", "code", "severity",
                                          "message_fr", "kept"])
    frame["_order"] = frame["severity"].ne("erreur")
    return frame.sort_values(["_order", "file", "line"], kind="stable", na_position="first").drop(
        columns="_order").reset_index(drop=True)


def first_errors(issues: pd.DataFrame, shown: int = 10) -> str:
    """The first rejected rows as Markdown lines a person reads aloud: « arretes.csv, ligne 3, colonne finess : … »."""
    errors = issues[issues["severity"] == "erreur"]
    lines = []
    for row in errors.head(shown).itertuples():
        where = ", ".join(part for part in (
            row.file, f"ligne {formatting.number(row.line)}" if not pd.isna(row.line) else "fichier entier",
            f"colonne {row.column}" if row.column else "") if part)
        lines.append(f"- {formatting.md_escape(where)} : {formatting.md_escape(row.message_fr)}")
    if len(errors) > shown:
        lines.append(f"- … et {formatting.number(len(errors) - shown)} autre(s) ligne(s) rejetée(s) (tableau ci-dessous)")
    return "\n".join(lines) if lines else "Aucune ligne rejetée ; avertissements ci-dessous."


def files_frame(files: list[dict], saved_as: dict[str, str]) -> pd.DataFrame:
    """What each file (or sheet) gave, with the name it gets in data/raw."""
    frame = pd.DataFrame(files)
    if frame.empty:
        return pd.DataFrame(columns=list(FILE_COLUMNS))
    names = {saved: upload for upload, saved in saved_as.items()}
    frame["source_fr"] = frame["source"].map(source_label)
    frame["saved_as"] = frame["file"]
    frame["file"] = [names.get(f.split(" (feuille ")[0], f) + (f[len(f.split(" (feuille ")[0]):] if " (feuille " in f
                     else "") for f in frame["file"]]
    frame["read_fr"] = frame.get("read", pd.Series(True, index=frame.index)).map({False: "non"}).fillna("oui")
    return frame


def files_without_rows(files: pd.DataFrame) -> list[str]:
    """The files (or sheets) read of which no row would be kept."""
    if files.empty or "rows_kept" not in files:
        return []
    read = files["read_fr"].eq("oui") & files["rows_read"].fillna(0).gt(0)
    return list(files.loc[read & files["rows_kept"].fillna(0).eq(0), "file"])


def tables_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows per table before and after, the tables that change first."""
    out = frame.assign(label=frame["table"].map(table_label),
                       change_fr=[formatting.gap(c, "") if c else "" for c in frame["change"]])
    return out.sort_values("change", key=lambda c: c.eq(0), kind="stable").reset_index(drop=True)


def regions_frame(frame: pd.DataFrame, only_changed: bool = True) -> pd.DataFrame:
    """Per région « avant → après » for bodies, seats, active mandates and the vacancy rate."""
    if only_changed:
        frame = frame[frame["changed"]]
    rows = {"region": frame["region"]}
    for figure in ("bodies", "seats", "mandates"):
        rows[figure] = [moved(b, a) for b, a in zip(frame[f"{figure}_before"], frame[f"{figure}_after"])]
    rows["vacancy_rate"] = [moved(b, a, "percent") for b, a in zip(frame["vacancy_rate_before"],
                                                                   frame["vacancy_rate_after"])]
    return pd.DataFrame(rows).reset_index(drop=True)


def files_changed(files: dict) -> str:
    """« + nominations/arretes.csv ; − formations/x.csv », or counts per source when many changed."""
    parts = []
    for key, sign, noun in (("added", "+", "ajoutés"), ("removed", "−", "retirés"), ("changed", "~", "modifiés")):
        names = files.get(key, [])
        if len(names) <= 3:
            parts += [f"{sign} {name}" for name in names]
        else:
            parts.append(f"{sign} {formatting.number(len(names))} fichiers {noun}")
    return " ; ".join(parts) if parts else "aucun changement"


def versions_frame(kept: list[dict], current: str | None) -> pd.DataFrame:
    """One row per kept version, most recent first."""
    rows = []
    for meta in reversed(kept):
        tables = meta.get("tables", {})
        rows.append({"id": meta["id"], "in_service_fr": "✔ en service" if meta["id"] == current else "",
                     "created_at": formatting.date(meta["created_at"][:10]) + " " + meta["created_at"][11:16],
                     "published_by": meta.get("published_by") or "local",
                     "files_fr": files_changed(meta.get("files", {})), "mandates": tables.get("mandates"),
                     "bodies": tables.get("bodies"), "candidacies": tables.get("candidacies"),
                     "rejected": (meta.get("rejects") or {}).get("errors")})
    return pd.DataFrame(rows, columns=["id", *[c for c in VERSION_COLUMNS if c != "id"]])


def version_sentence(meta: dict) -> str:
    """« la version publiée le 12/03/2026 à 14:32 par agent@ars.sante.fr (+ nominations/arretes.csv) »."""
    return (f"la version publiée le {formatting.date(meta['created_at'][:10])} à {meta['created_at'][11:16]} par "
            f"{meta.get('published_by') or 'local'} ({files_changed(meta.get('files', {}))})")


def version_label(meta: dict) -> str:
    """« 12/03/2026 14:32 · agent@ars.sante.fr · + nominations/arretes.csv »."""
    return (f"{formatting.date(meta['created_at'][:10])} {meta['created_at'][11:16]} · "
            f"{meta.get('published_by') or 'local'} · {files_changed(meta.get('files', {}))}")
