"""À traiter : ce que le territoire a à faire à la date choisie, les plus urgents d'abord ; chaque ligne ouvre la fiche
de l'établissement. La même liste part par courriel aux abonnés (python -m observatoire digest)."""
import streamlit as st

from observatoire import queries, ui
from observatoire.base import formatting, vocabulary
from observatoire.present import worklist

ctx = ui.context()
st.title("À traiter")
st.caption(f"{ui.caption_as_of(ctx)} · {worklist.SCOPE_TEXT}")

lines = queries.worklist(ctx.scope, ctx.as_of)
counts = worklist.category_counts(lines)
present = [c for c, n in counts.items() if n]
if not present:
    st.success(f"Rien à traiter au {formatting.date(ctx.as_of)} pour ce territoire.")
    st.stop()
chosen = st.pills("Rubriques (cliquer pour masquer ou afficher)", present, selection_mode="multi", default=present,
                  key="a_traiter_rubriques",
                  format_func=lambda c: f"{vocabulary.WORKLIST_CATEGORIES[c]} : {worklist.count_text(c, lines)}")
empty = [vocabulary.WORKLIST_CATEGORIES[c].lower() for c, n in counts.items() if not n]
if empty:
    st.caption("Rien à signaler : " + " ; ".join(empty) + ".")
shown = worklist.rows(lines[lines["category"].isin(chosen or [])], ctx.as_of, ui.territory_key(),
                      queries.mask_threshold(), queries.public_url())
st.markdown(f"**{formatting.number(len(shown))} ligne(s)**, les plus urgentes en premier ; « Ouvrir la fiche » ouvre "
            "l'établissement dans un nouvel onglet.")
ui.link_table(shown, worklist.COLUMNS, worklist.WIDTHS, worklist.PINNED, max_rows=30)
st.caption(f"{worklist.ORDER_TEXT} Effectifs de moins de {queries.mask_threshold()} personnes affichés "
           f"« < {queries.mask_threshold()} ».")
ui.worklist_downloads(worklist.for_export(shown, ui.territory_key(), ctx.as_of, queries.public_url()), ctx.name,
                      ctx.as_of, key="a_traiter")
