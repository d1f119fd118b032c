"""Guards and error pages: no store, a damaged store, a page that raised (tracebacks go to the log only)."""
from __future__ import annotations

import logging

import streamlit as st

from observatoire import queries
from observatoire.base import settings, snapshots
from observatoire.base.db import StoreDamaged, check_store, recover_store

log = logging.getLogger("observatoire")


def require_store() -> None:
    """Stop with a French page when no store has been built yet or when it fails its check (called once by
    app.py). A store left aside by a build killed mid-swap is put back first."""
    try:
        data_dir = queries.store_dir()
        recover_store(data_dir)
        queries.manifest()
        # The store opened fine earlier in this server's life; a file truncated or deleted since shows here.
        problems = check_store(data_dir, full=False)
        if problems:
            raise StoreDamaged(data_dir, problems)
    except queries.StoreMissing:
        location = settings.get("data_dir")
        st.error(f"Aucun entrepôt publié dans {location} : lancez « python -m pipelines build --out {location} »."
                 if snapshots.is_remote(location) else
                 "Aucun entrepôt de données : lancez « make data » (ou « make run ») pour construire data/parquet "
                 "à partir des fichiers de data/raw.")
        st.stop()
    except StoreDamaged as exc:
        damaged_store_page(exc.problems)
        st.stop()


def damaged_store_page(problems: list[str]) -> None:
    st.title("L'entrepôt est endommagé")
    st.error("L'entrepôt de données est endommagé : relancez `make data` pour le reconstruire à partir des "
             "fichiers de data/raw (les fichiers bruts ne sont jamais modifiés).", icon=":material/error:")
    st.markdown("**Ce qui ne va pas :**")
    st.text("\n".join(f"• {problem[:1].upper()}{problem[1:]}." for problem in problems))


def page_failed(exc: Exception) -> None:
    """A page raised: log it for the developer, tell the user in French (tracebacks never reach the browser)."""
    log.exception("page failed", exc_info=exc)
    try:
        problems = check_store(queries.store_dir())
    except (OSError, queries.StoreMissing):  # the object store unreachable: the page's own failure is the news
        problems = []
    if problems:  # altered in place after it was opened
        damaged_store_page(problems)
        return
    st.error("Cette page n'a pas pu s'afficher à cause d'une erreur inattendue. Changez de territoire ou de date, "
             "ou relancez « make data » ; si le problème persiste, signalez-le avec l'heure : le détail technique "
             "est dans le journal du serveur.", icon=":material/error:")


