"""Write the empty raw-file templates (CSV and XLSX) of every tabular source into data/templates/.

The XLSX template also says what each column holds: a comment on each header cell and a second sheet
« definitions » (the first sheet is the one read back)."""
from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment

from observatoire.base.settings import TEMPLATES_DIR
from pipelines.schemas import TABLES

FILE_NAMES = {"bodies": "instances", "mandates": "nominations", "trainings": "formations", "meetings": "seances",
              "surveys": "enquetes", "conventions": "convention", "targets": "cibles", "milestones": "jalons",
              "actions": "actions", "campaigns": "campagnes",
              "projects": "projets", "candidacies": "candidatures"}


def write_templates(folder: Path = TEMPLATES_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in TABLES:
        stem = f"{table.source}__{FILE_NAMES[table.name]}" if table.source != FILE_NAMES[table.name] else table.source
        csv_path = folder / f"{stem}.csv"
        csv_path.write_text(";".join(table.headers) + "\n", encoding="utf-8-sig")
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = FILE_NAMES[table.name][:31]
        sheet.append(table.headers)
        for cell, column in zip(sheet[1], table.columns):
            cell.comment = Comment(column.label_fr or column.header, "Observatoire")
        definitions = book.create_sheet("definitions")
        definitions.append(["colonne", "definition", "obligatoire"])
        for column in table.columns:
            definitions.append([column.header, column.label_fr, "oui" if column.required else "non"])
        xlsx_path = folder / f"{stem}.xlsx"
        book.save(xlsx_path)
        written += [csv_path, xlsx_path]
    return written


if __name__ == "__main__":
    for path in write_templates(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATES_DIR):
        print(path)
