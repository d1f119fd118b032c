"""Every way a figure or a table leaves a page: PNG, CSV and bilan buttons, for the roles that may export."""
from __future__ import annotations

import functools
import re
from urllib.parse import urlencode

import streamlit as st

from observatoire import bilan, queries, session
from observatoire.base import formatting
from observatoire.present import convention, exports, tables
from observatoire.present.charts.alt import text_alternative
from observatoire.ui.context import context
from observatoire.ui.panels import chart_data, column_config, show
from observatoire.ui.figures import plot


def may_export() -> bool:
    """Whether this user may take data out or record a séance (chargé de mission, administrateur, open access)."""
    access = session.current()
    return access is not None and access.can_export


def may_see_departments_of(region: str | None) -> bool:
    """Whether this user may see every département of `region`, not only their own (national access, that
    région's access, the open demo)."""
    access = session.current()
    return access is not None and (access.level == "national" or (access.level == "region" and
                                                                   access.code == region))


def download_button(label: str, data, **kwargs) -> bool:
    """st.download_button for the roles that may export (chargé de mission, administrateur, open access);
    nothing for a reader (role « lecture »)."""
    access = session.current()
    if access is None or not access.can_export:
        return False
    return st.download_button(label, data, **kwargs)


def _demo() -> bool:
    """Does the store hold demonstration data? Every exported file then says so."""
    try:
        return bool(queries.manifest().get("demo"))
    except queries.StoreMissing:
        return False


def table_downloads(label: str, frame, columns: dict | None = None, *, name: str | tuple[str, ...], title: str,
                    territory: str | None = None, as_of=None, masked=None, key: str | None = None) -> None:
    """The « {label} (CSV) » and « {label} (Excel) » buttons of a table, for the roles that may export. File
    names carry the territory and the date (`ru_a_former_grand-est_2026-06-15.xlsx`); the XLSX has a title row
    (`title`, territory, date). Each file is written only when its button is clicked, never on a rerun."""
    access = session.current()
    if access is None or not access.can_export:  # role « lecture »: the table stays on screen only
        return
    ctx = context()
    territory = territory if territory is not None else ctx.name
    as_of = as_of or ctx.as_of
    parts = (name,) if isinstance(name, str) else tuple(name)
    key = key or "_".join(exports.slug(p) for p in parts if p)
    demo = _demo()
    menu = _menu(label, key)
    menu.download_button(f"{label} (CSV)", functools.partial(tables.csv_bytes, frame, columns, masked=masked, demo=demo),
                         file_name=exports.file_name(*parts, territory, as_of=as_of, ext="csv"), mime="text/csv",
                         key=f"{key}_csv", on_click="ignore", icon=":material/table:", width="stretch")
    menu.download_button(f"{label} (Excel)", functools.partial(
                             tables.xlsx_bytes, frame, columns, masked, title=title, territory=territory, as_of=as_of,
                             demo=demo),
                         file_name=exports.file_name(*parts, territory, as_of=as_of, ext="xlsx"), mime=XLSX_MIME,
                         key=f"{key}_xlsx", on_click="ignore", icon=":material/grid_on:", width="stretch")


def _menu(label: str, key: str):
    """The « Télécharger » menu of a chart or a table: its files (PNG, CSV, Excel) listed when it is opened. One
    button per figure rather than three: a page with a dozen files to offer stays readable, and the browser draws
    the files' buttons only when the menu is open (a territory change no longer redraws a dozen of them)."""
    return st.popover(label, icon=":material/download:", key=f"{key}_menu")


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def chart(fig, *, name: str | tuple[str, ...], data=None, columns: dict | None = None, title: str | None = None,
          territory: str | None = None, as_of=None, export=None, masked=None, key: str | None = None,
          alt: str | None = None, config: dict | None = None, on_select: bool = False):
    """Show a chart with « Télécharger (PNG) » (rendered on the server only when clicked: title, territory and
    as-of date, source and extraction date on the image) and « Télécharger les données (CSV) ».

    `name` gives the file name (`taux_vacance`, `départements`), to which the territory and the date are added;
    `export` builds the figure to render when it differs from the one on screen (a map framed for 1600×900).
    Its text alternative (`alt`, else read from the figure) is given to screen readers, and its data, when
    given, is a table on screen for everyone (« Données du graphique »)."""
    parts = (name,) if isinstance(name, str) else tuple(name)
    key = key or "_".join(exports.slug(p) for p in parts if p)
    alt = alt or text_alternative(fig, title, table=data is not None)
    config = {"displaylogo": False, **(config or {})}
    if not may_export():  # role « lecture »: no image out of the chart's own toolbar either
        config["modeBarButtonsToRemove"] = [*config.get("modeBarButtonsToRemove", []), "toImage"]
    event = plot(fig, key=key, alt=alt, config=config, on_select=on_select)
    downloads(export or fig, name=parts, data=data, columns=columns, title=title, territory=territory, as_of=as_of,
              masked=masked, key=key)
    if data is not None:
        chart_data(data, columns, masked=masked, key=key)
    return event


def downloads(fig, *, name: str | tuple[str, ...], data=None, columns: dict | None = None, title: str | None = None,
              territory: str | None = None, as_of=None, masked=None, key: str | None = None) -> None:
    """The « Télécharger (PNG) » and « Télécharger les données (CSV) » buttons of a figure (or of a callable
    building it: a scorecard shown as a table on screen exports as a figure)."""
    access = session.current()
    if access is None or not access.can_export:  # role « lecture »: the chart stays on screen only
        return
    ctx = context()
    territory = territory if territory is not None else ctx.name
    as_of = as_of or ctx.as_of
    parts = (name,) if isinstance(name, str) else tuple(name)
    key = key or "_".join(exports.slug(p) for p in parts if p)
    build = fig if callable(fig) else (lambda: fig)
    menu = _menu("Télécharger", key)
    if title is None and not callable(fig):
        title = _plain(fig.layout.title.text)
    if exports.available():
        try:
            manifest = queries.manifest()
        except queries.StoreMissing:
            manifest = {}
        caption = exports.caption_from_manifest(title or parts[0], territory, as_of, manifest)
        menu.download_button(
            "Télécharger (PNG)", data=lambda: exports.png_or_message(build(), caption),
            file_name=exports.file_name(*parts, territory, as_of=as_of), mime="image/png",
            key=f"{key}_png", on_click="ignore", icon=":material/image:", width="stretch")
    else:
        menu.caption(exports.CHROMIUM_MISSING_FR)
    if data is not None:
        demo = _demo()
        menu.download_button(
            "Télécharger les données (CSV)", data=lambda: tables.csv_bytes(data, columns, masked=masked, demo=demo),
            file_name=exports.file_name(*parts, territory, as_of=as_of, ext="csv"), mime="text/csv",
            key=f"{key}_csv", on_click="ignore", icon=":material/table:", width="stretch")
        menu.download_button(
            "Télécharger les données (Excel)", data=lambda: tables.xlsx_bytes(
                data, columns, masked, title=title or parts[0], territory=territory, as_of=as_of, demo=demo),
            file_name=exports.file_name(*parts, territory, as_of=as_of, ext="xlsx"), mime=XLSX_MIME,
            key=f"{key}_xlsx", on_click="ignore", icon=":material/grid_on:", width="stretch")


def table(frame, columns: dict, *, name: str | tuple[str, ...], title: str, territory: str | None = None,
          as_of=None, masked=None, key: str | None = None, **dataframe_kwargs) -> None:
    """A table in French formats with its « Télécharger le tableau » buttons (CSV and Excel)."""
    parts = (name,) if isinstance(name, str) else tuple(name)
    key = key or "_".join(exports.slug(p) for p in parts if p) + "_table"
    show(tables.display(frame, columns), **dataframe_kwargs)
    table_downloads("Télécharger le tableau", frame, columns, name=parts, title=title, territory=territory,
                    as_of=as_of, masked=masked, key=key)


def grid(frame, columns: dict, **dataframe_kwargs):
    """A sortable table: numbers stay numbers (sorted as such) but read in French whatever the browser's
    language (« 61,5 % », « 1 400 », « 21/01/2026 »), in the column order of `columns`."""
    dataframe_kwargs.setdefault("column_order", [name for name in columns if name in frame])
    if not may_export():  # a reader gets the same French text in a static table (no toolbar to export it)
        order = dataframe_kwargs.get("column_order") or list(columns)
        return show(tables.display(frame, {k: columns[k] for k in order if k in columns}))
    return show(tables.for_grid(frame, columns, dataframe_kwargs.get("placeholder")),
                column_config=column_config(columns), **dataframe_kwargs)


def _plain(text: str | None) -> str:
    return re.sub(r"<[^>]+>", "", text or "").strip()


def bilan_and_seance(convention_id: str, as_of, signed_on=None) -> None:
    """The Convention page's way out of the room: the bilan pack (PDF, PNG, CSV and XLSX in a ZIP, for the meeting
    chosen, validated by the name typed, with two dates side by side when asked) and the mode séance."""
    left, right = st.columns([2, 3], vertical_alignment="center")
    seance_url = "./?" + urlencode({"seance": "1", "territoire": st.query_params.get("territoire", "national:FR"),
                                    "date": as_of.isoformat(), "convention": convention_id})
    right.link_button("Mode séance (projection)", seance_url, icon=":material/slideshow:",
                      help="Un indicateur par écran, en grand, flèches ← → du clavier pour passer de l'un à l'autre.")
    access = session.current()
    if access is None or not access.can_export:
        return
    if not exports.available():
        left.caption(exports.CHROMIUM_MISSING_FR)
        return
    # The pack goes through the access cut of the pages: a délégation départementale gets its own département.
    territory = access.department if access.level == "departement" else None
    milestones = queries.milestones(convention_id)
    meetings = bilan.meeting_choices(milestones, as_of)
    since = convention.previous_follow_up(milestones, as_of, signed_on)
    with left.popover("Dossier de bilan (PDF, PNG, CSV, Excel)", icon=":material/folder_zip:"):
        meeting = st.selectbox("Préparé pour", list(meetings), format_func=meetings.get, index=0 if meetings else None,
                               key=f"bilan_meeting_{convention_id}", placeholder="Aucun groupe de suivi ni revue",
                               help="Le groupe de suivi ou la revue pour lequel le bilan est préparé (bloc de "
                                    "validation, en fin de rapport).")
        validated_by = st.text_input("Validé par (nom et fonction, facultatif)", key=f"bilan_validated_{convention_id}",
                                     max_chars=bilan.MAX_NAME,
                                     help="Écrit dans le bloc de validation avec la date du jour et conservé dans le "
                                          "registre des bilans, jamais dans l'entrepôt. Sans nom, le bloc reste à "
                                          "remplir à la main.")
        compare_from = None
        if since is not None and st.checkbox(
                f"Comparer avec le {formatting.date(since)}", value=True, key=f"bilan_compare_{convention_id}",
                help="Ajoute au rapport une page « Évolution » : chaque indicateur à cette date et à la date de "
                     "situation (valeur, évolution, statut aux deux dates) et les actions dont le statut a changé, "
                     "comme « Comparer deux dates » sur la page. Par défaut le dernier groupe de suivi (la signature "
                     "avant le premier)."):
            compare_from = since
        key = (f"bilan_{convention_id}_{as_of.isoformat()}_{territory or ''}_{meeting}_{validated_by}_"
               f"{compare_from or ''}")
        if st.button("Préparer le dossier de bilan", icon=":material/folder_zip:", key=f"bilan_{convention_id}_go",
                     help="Rapport PDF (couverture, synthèse, feuille de route, un graphique par indicateur, jalons, "
                          "méthodes et sources, validation), chaque graphique en PNG, chaque tableau en CSV et en "
                          "Excel, les relevés de séance."):
            bar = st.progress(0.0, text="Dossier de bilan : préparation…")
            try:
                st.session_state[key] = bilan.build_zip(
                    queries.store(), convention_id, as_of, territory, access=queries.access(), meeting=meeting,
                    validated_by=validated_by or None, compare_from=compare_from,
                    progress=lambda f, text: bar.progress(min(f, 1.0), text=text))
            except (bilan.PackError, exports.RenderError) as error:
                st.error(f"Le dossier de bilan n'a pas pu être préparé : {error}")
            bar.empty()
        if key in st.session_state:
            name, content = st.session_state[key]
            st.download_button("Télécharger le dossier de bilan (ZIP)", content, file_name=name,
                               mime="application/zip", icon=":material/download:", key=f"{key}_zip", type="primary")
