"""Streamlit glue of the page « Déposer des fichiers »: the dry run and the publication with a progress bar, the kept
versions and the rollback behind a confirmation. The work is pipelines/publish.py's and pipelines/versions.py's;
a failure is one French sentence on the page, its traceback goes to the server's log."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from observatoire import queries, session
from observatoire.base import formatting, settings
from observatoire.base.db import Store, StoreDamaged, StoreMissing
from observatoire.domain import changes
from observatoire.present import upload as words
from pipelines import publish as publishing
from pipelines import versions as kept
from pipelines.failures import failure_reason
from pipelines.reading import TABULAR_SUFFIXES

log = logging.getLogger("observatoire")

TYPES = [suffix.lstrip(".") for suffix in TABULAR_SUFFIXES]
MESSAGE = "depot_message"
CHECK = "depot_verification"
UPLOADER = "depot_fichiers_generation"


@dataclass
class Preview:
    """The store in service against the one the files would give, on a date."""

    as_of: dt.date
    tables: pd.DataFrame
    regions: pd.DataFrame


def require_administrator() -> None:
    """This page writes data/raw and replaces the store: administrators only (and the open local demo)."""
    access = session.current()
    if access is None or not access.can_read_sources:
        st.error("Cette page est réservée aux administrateurs de l'observatoire.", icon=":material/block:")
        st.stop()


def who() -> str:
    """The signed-in address, or « local » (open access on this machine, the command line)."""
    access = session.current()
    return (access.email if access is not None and access.email else kept.LOCAL)


def uploader_key() -> str:
    """The file picker's key: a new one empties it (after a publication)."""
    return f"depot_fichiers_{st.session_state.get(UPLOADER, 0)}"


def clear_files() -> None:
    st.session_state[UPLOADER] = st.session_state.get(UPLOADER, 0) + 1
    st.session_state.pop(CHECK, None)


def say_later(kind: str, text: str) -> None:
    """A message shown at the top of the page after the rerun that follows an action."""
    st.session_state[MESSAGE] = (kind, text)


def show_message() -> None:
    message = st.session_state.pop(MESSAGE, None)
    if message:
        kind, text = message
        {"success": st.success, "error": st.error, "warning": st.warning}.get(kind, st.info)(text)


def detect(file) -> str | None:
    """The source of an uploaded file from its headers (kept per file for the session: read once)."""
    cache = st.session_state.setdefault("depot_sources_detectees", {})
    if file.file_id not in cache:
        try:
            cache[file.file_id] = publishing.detect_source(file.name, file.getvalue())
        except publishing.UploadError:
            cache[file.file_id] = None
        except Exception:  # an unreadable file is said by the check, with its reason
            log.exception("source detection failed")
            cache[file.file_id] = None
    return cache[file.file_id]


def uploads(files, sources: dict[str, str | None]) -> list[publishing.Upload] | None:
    """The files with their chosen source; None while a source is missing."""
    if not files or any(sources.get(f.file_id) is None for f in files):
        return None
    return [publishing.Upload(f.name, f.getvalue(), sources[f.file_id]) for f in files]


def signature(files: list[publishing.Upload]) -> tuple:
    return tuple((f.name, hashlib.sha256(f.data).hexdigest(), f.source) for f in files)


def _served() -> Store | None:
    try:
        return queries.store()
    except (StoreMissing, StoreDamaged):
        return None


def _preview(path, as_of: dt.date) -> Preview:
    served = _served()
    trial = Store(path)
    try:
        tables = changes.compare_tables(served.manifest.get("tables", {}) if served else {},
                                        trial.manifest.get("tables", {}))
        regions = changes.compare_regions(changes.region_figures(served, as_of), changes.region_figures(trial, as_of))
    finally:
        del trial
    return Preview(as_of, tables, regions)


def _bar(text: str):
    bar = st.progress(0.0, text=text)
    return bar, (lambda fraction, step: bar.progress(min(max(fraction, 0.0), 1.0), text=step))


def check(files: list[publishing.Upload], as_of: dt.date) -> None:
    """The dry run: the build's reading, rules and guards, nothing written; kept in the session for these files."""
    bar, progress = _bar("Vérification : lecture des fichiers…")
    try:
        result = publishing.dry_run(files, settings.raw_dir(), settings.data_dir(), progress=progress,
                                    inspect=lambda path: _preview(path, as_of))
    except publishing.UploadError as exc:
        st.session_state.pop(CHECK, None)
        st.error(exc.message_fr)
        return
    except Exception as exc:  # French for the user, the traceback in the server's log
        log.exception("dry run failed")
        st.session_state.pop(CHECK, None)
        st.error(f"La vérification a échoué ({failure_reason(exc, settings.data_dir())}). Rien n'a été écrit ; le "
                 "détail technique est dans le journal du serveur.")
        return
    finally:
        bar.empty()
    st.session_state[CHECK] = (signature(files), result)


def last_check(files: list[publishing.Upload] | None) -> publishing.Check | None:
    """The check of exactly these files (same names, contents and sources), if one was made."""
    found = st.session_state.get(CHECK)
    if not files or not found or found[0] != signature(files):
        return None
    return found[1]


def publish(files: list[publishing.Upload]) -> None:
    """Save the files into data/raw and build with the guards of `make data` (never forced); the app then reads
    the new store."""
    bar, progress = _bar("Publication : enregistrement des fichiers…")
    try:
        publication = publishing.publish(files, settings.raw_dir(), settings.data_dir(), who(), progress=progress)
    except (publishing.UploadError, kept.Busy) as exc:
        st.error(exc.message_fr)
        return
    except Exception as exc:  # French for the user, the traceback in the server's log
        log.exception("publication failed")
        st.error(f"La publication a échoué ({failure_reason(exc, settings.data_dir())}). L'entrepôt en service est "
                 "conservé et les fichiers déposés ont été écartés ; le détail technique est dans le journal du "
                 "serveur.")
        return
    finally:
        bar.empty()
    result = publication.result
    saved = ", ".join(publication.saved)
    if result.blocked or (result.refused and not result.forced):
        reasons = [result.manifest["sources"][s].get("message_fr", "") for s in result.blocked] + result.refused
        st.error("Publication refusée : " + " ; ".join(r for r in reasons if r) + ". L'entrepôt en service est "
                 f"conservé ; les fichiers déposés ({saved}) ont été écartés (déplacés dans "
                 f"{publication.set_aside_dir}, non lus). Corrigez-les d'après la vérification puis déposez-les à "
                 "nouveau.")
        return
    queries.forget_store()
    clear_files()
    note = f" Attention : {result.version_error}." if result.version_error else ""
    say_later("success", f"Publié : {saved}. Nouvel entrepôt en service (version {result.version}, "
                         f"{formatting.number(result.manifest['rejects']['errors'])} ligne(s) rejetée(s) au total) : "
                         "toutes les pages l'affichent désormais." + note)
    st.rerun()


def versions() -> tuple[list[dict], str | None]:
    """The kept versions' descriptions (oldest first) and the one in service."""
    found = kept.list_versions(settings.data_dir())
    current = kept.in_service(settings.data_dir(), found)
    return [v.meta for v in found], current.id if current else None


def journal() -> list[dict]:
    return kept.journal(settings.data_dir())


@st.dialog("Revenir à une version", width="medium")
def confirm_rollback(version_id: str) -> None:
    """Say what a rollback changes, then do it only when confirmed."""
    metas, current = versions()
    meta = next((m for m in metas if m["id"] == version_id), None)
    if meta is None:
        st.error("Cette version n'est plus conservée.")
        return
    sentence = words.version_sentence(meta)
    st.markdown(formatting.md_escape(sentence[0].upper() + sentence[1:]) + " remplacera l'entrepôt en service"
                + (f" (version {current})." if current else ".") + " Les pages l'afficheront aussitôt.")
    present = kept.current_raw(settings.raw_dir())
    wanted = meta.get("raw_files") or {}
    aside = sorted(k for k in present if k not in wanted)
    back = sorted(k for k in wanted if k not in present)
    if aside:
        st.markdown("Fichiers bruts **écartés** (déplacés dans `data/raw/.ecartes/`, jamais supprimés) : "
                    + ", ".join(formatting.md_escape(k) for k in aside) + ".")
    if back:
        st.markdown("Fichiers bruts **remis en place** s'ils ont été écartés : "
                    + ", ".join(formatting.md_escape(k) for k in back) + ".")
    left, right = st.columns(2)
    if left.button("Confirmer le retour", type="primary", icon=":material/history:", key="depot_confirmer_retour"):
        try:
            with kept.lock(settings.data_dir(), wait=False):
                result = kept.rollback(settings.data_dir(), version_id, settings.raw_dir(), who())
        except (kept.Busy, kept.VersionError) as exc:
            say_later("error", exc.message_fr)
        except Exception as exc:  # French for the user, the traceback in the server's log
            log.exception("rollback failed")
            say_later("error", f"Le retour à la version a échoué ({failure_reason(exc, settings.data_dir())}). "
                               "L'entrepôt en service est conservé.")
        else:
            queries.forget_store()
            sentence = words.version_sentence(result.version.meta)
            said = f"{sentence[0].upper()}{sentence[1:]} est remise en service."
            if result.set_aside:
                said += " Fichiers écartés : " + ", ".join(result.set_aside) + "."
            if result.restored:
                said += " Fichiers remis en place : " + ", ".join(result.restored) + "."
            if result.missing:
                said += (" Attention, fichiers de cette version introuvables (la prochaine construction ne les lira "
                         "pas) : " + ", ".join(result.missing) + ".")
            say_later("success", said)
        st.rerun()
    if right.button("Annuler", key="depot_annuler_retour"):
        st.rerun()
