"""The page « Déposer des fichiers » (issue 25): administrators only; the kept versions listed with who, when, files
and rows. The check, the publication and the rollback are driven in Chromium (tests/test_upload_browser.py)."""
import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from observatoire import session
from observatoire.domain.access import Access
from observatoire.ui import Context
from pipelines.build import build
from tests.test_versions import EXTRA_NOMINATIONS

PAGE = Path(__file__).resolve().parent.parent / "pages" / "deposer.py"


@pytest.fixture
def published(fresh_raw, tmp_path):
    out = tmp_path / "parquet"
    build(fresh_raw, out, published_by="local")
    (fresh_raw / "nominations" / "complement.csv").write_text(EXTRA_NOMINATIONS, encoding="utf-8")
    build(fresh_raw, out, published_by="agent@ars.sante.fr", via="page")
    return fresh_raw, out


def _run(monkeypatch, raw, out, tab=None):
    monkeypatch.setenv("OBSERVATOIRE_DATA", str(out))
    monkeypatch.setenv("OBSERVATOIRE_RAW", str(raw))
    app = AppTest.from_file(str(PAGE), default_timeout=60)
    app.session_state["context"] = Context("departement", "67", "67 – Bas-Rhin", dt.date(2026, 3, 1))
    if tab:
        app.session_state["depot_onglet"] = tab
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.mark.parametrize("role", ["lecture", "charge_de_mission"])
def test_only_administrators_may_deposit(published, monkeypatch, role):
    monkeypatch.setattr(session, "current", lambda: Access("region", "44", role, email="agent@ars.sante.fr"))
    app = _run(monkeypatch, *published)
    assert [e.value for e in app.error] == ["Cette page est réservée aux administrateurs de l'observatoire."]
    assert not app.get("file_uploader") and not app.button


def test_an_administrator_sees_the_picker_and_the_kept_versions(published, monkeypatch):
    monkeypatch.setattr(session, "current", lambda: Access("national", None, "administrateur",
                                                           email="admin@ars.sante.fr"))
    app = _run(monkeypatch, *published)
    assert app.title[0].value == "Déposer des fichiers" and len(app.get("file_uploader")) == 1
    app = _run(monkeypatch, *published, tab="Versions")
    table = app.dataframe[0].value
    assert table["En service"].tolist() == ["✔ en service", ""]
    assert table["Par"].tolist() == ["agent@ars.sante.fr", "local"]
    assert table["Fichiers bruts"].iloc[0] == "+ nominations/complement.csv"
    assert table["Mandats"].tolist() == ["17", "15"]
    choice = app.selectbox(key="depot_version_choisie")
    assert len(choice.options) == 1 and choice.value is None
    assert app.button[0].label == "Revenir à cette version…" and app.button[0].disabled
