"""Streamlit pieces of the chargé de mission's desk: tables whose rows open an establishment's page, the « À
traiter » downloads, and two dates of a convention side by side (Convention page and Accueil)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from observatoire import queries
from observatoire.base import formatting
from observatoire.base.dates import add_months
from observatoire.present import charts, convention, establishment, tables, worklist
from observatoire.ui.context import FIRST_DATE, LAST_DATE, Context, context
from observatoire.ui.downloads import table_downloads
from observatoire.ui.panels import show

LINK_TEXT = "Ouvrir la fiche"


def territory_key(ctx: Context | None = None) -> str:
    """The sidebar's territory as the address writes it (`region:44`, `national:FR`)."""
    ctx = ctx or context()
    return "national:FR" if ctx.level == "national" else f"{ctx.level}:{ctx.code}"


def with_links(frame: pd.DataFrame, column: str = "link") -> pd.DataFrame:
    """`frame` (with a `finess` column) with the address of each establishment's page, in the sidebar's territory
    and date; absolute when the public address is set (exports, e-mails), relative otherwise."""
    ctx = context()
    return establishment.with_links(frame, territory_key(ctx), ctx.as_of, queries.public_url(), column)


def link_table(frame: pd.DataFrame, columns: dict, widths: dict | None = None, pinned=(), **kwargs):
    """A table in French formats whose link columns open the establishment's page (in a new tab: the list stays);
    `widths`: pixel width of some columns (by name); `pinned`: columns kept in view when the table scrolls sideways."""
    shown = tables.display(frame, columns)
    widths = widths or {}
    config = {col.label: (st.column_config.LinkColumn(col.label, display_text=LINK_TEXT, width=widths.get(name),
                                                      pinned=name in pinned)
                          if col.kind == "link" else
                          st.column_config.TextColumn(col.label, width=widths.get(name), pinned=name in pinned))
              for name, col in columns.items()}
    return show(shown, column_config=config, **kwargs)


def worklist_downloads(shown: pd.DataFrame, territory_name: str, as_of: dt.date, key: str) -> None:
    """The list's CSV and Excel files (the one table_downloads path), for the roles that may export."""
    table_downloads("Télécharger la liste", shown, worklist.COLUMNS, name="a_traiter", title="À traiter",
                    territory=territory_name, as_of=as_of, key=key)


def convention_comparison(convention_id: str, as_of: dt.date, signed_on, milestones: pd.DataFrame,
                          key: str) -> None:
    """Two dates of a convention side by side, in an expander built only when opened: by default the last
    follow-up group before the date (the signature before any) and the date itself; each indicator's value at
    both, its change and its status at both, the status counts, and the roadmap actions whose status changed."""
    box = st.expander("Comparer deux dates (dernier groupe de suivi et date de situation)",
                      icon=":material/compare_arrows:", key=f"{key}_comparer", on_change="rerun")
    if not box.open:
        return
    with box:
        default = convention.previous_follow_up(milestones, as_of, signed_on) or max(FIRST_DATE,
                                                                                     add_months(as_of, -12))
        left, right = st.columns(2)
        first = left.date_input("Première date", value=default, min_value=FIRST_DATE, max_value=LAST_DATE,
                                format="DD/MM/YYYY", key=f"{key}_premiere",
                                help="Par défaut : le dernier groupe de suivi avant la date de situation.")
        second = right.date_input("Seconde date", value=as_of, min_value=FIRST_DATE, max_value=LAST_DATE,
                                  format="DD/MM/YYYY", key=f"{key}_seconde",
                                  help="Par défaut : la date de situation.")
        if first >= second:
            st.info("Choisissez une première date antérieure à la seconde.")
            return
        indicators_, actions = queries.convention_comparison(convention_id, first, second)
        ctx = context()
        if indicators_.empty:
            st.info("Ce plan n'a ni indicateur ni cible : seule sa feuille de route se compare.")
        else:
            indicators_ = convention.chosen_first(indicators_, ctx.level, ctx.code)
            chosen = pd.Series(convention.chosen_rows(indicators_, ctx.level, ctx.code))
            moves = convention.status_moves(indicators_)
            st.caption(f"Indicateurs de la convention par statut au {formatting.date(second)}, et variation depuis "
                       f"le {formatting.date(first)}.")
            cards = st.columns(len(moves))
            for card, (status, (before, after)) in zip(cards, moves.items()):
                icon, _ = charts.STATUS_STYLE[status]
                card.metric(f"{icon} {status.capitalize()}", formatting.number(after), border=True,
                            **formatting.metric_delta(after - before, "", ""))
            shown = convention.comparison_display(indicators_, first, second)
            config = {name: st.column_config.TextColumn(name, width=width, pinned=i < 2)
                      for i, (name, width) in enumerate(zip(shown.columns, convention.COMPARISON_WIDTHS))}
            show(tables.highlight(shown, chosen.to_numpy()) if chosen.any() else shown, column_config=config)
            changed = int(indicators_["status_changed"].sum())
            st.caption(f"◆ : {formatting.number(changed)} statut(s) changé(s) entre le {formatting.date(first)} et le "
                       f"{formatting.date(second)}. Chaque statut est celui du tableau de bord à sa date ; "
                       "l'évolution est la seconde valeur moins la première (en points pour un taux).")
            table_downloads("Télécharger la comparaison", indicators_, convention.COMPARISON_EXPORT,
                            name=("comparaison", convention_id, first.isoformat()), as_of=second,
                            title=f"Comparaison du {formatting.date(first)} et du {formatting.date(second)}",
                            key=f"{key}_comparaison")
        st.markdown(f"**Actions de la feuille de route dont le statut a changé entre le {formatting.date(first)} et "
                    f"le {formatting.date(second)}**")
        if actions.empty:
            st.caption("Aucune.")
        else:
            show(convention.changed_actions_display(actions, first, second))
            table_downloads("Télécharger les actions", convention.changed_actions_words(actions),
                            convention.CHANGED_ACTIONS_EXPORT,
                            name=("actions_changees", convention_id, first.isoformat()), as_of=second,
                            title="Actions dont le statut a changé", key=f"{key}_actions")
