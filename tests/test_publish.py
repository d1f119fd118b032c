"""Files brought in from the browser (issue 25): the source from the headers, a dry run that writes nothing, the
publication under a name of its own and its guards."""
import hashlib

import pytest

from pipelines import publish, versions
from pipelines.build import build
from tests import demarches_fixtures as ds
from tests.conftest import FINESS_LINES, INSTANCES, NOMINATIONS_HEADER
from tests.test_versions import EXTRA_NOMINATIONS

# Two planted errors: a date that does not exist (line 2) and a body nobody declared (line 3).
NOMINATIONS_WITH_ERRORS = NOMINATIONS_HEADER + """
670000033;;CDU;suppleant;Lambert;Nadia;;UNAF;31/02/2026;31/01/2029;;;ARS-GE-2026-020;20/01/2026
670000099;;CDU;titulaire;Girard;Paul;;AIDES;01/02/2026;31/01/2029;;;ARS-GE-2026-021;20/01/2026
670000033;;CDU;titulaire;Roux;Emma;;AIDES;01/02/2026;31/01/2029;;;ARS-GE-2026-022;20/01/2026
"""


def _tree(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def served(fresh_raw, tmp_path):
    out = tmp_path / "parquet"
    build(fresh_raw, out, published_by="local")
    return fresh_raw, out


@pytest.mark.parametrize("name, data, expected", [
    ("arretes.csv", NOMINATIONS_HEADER.encode("utf-8") + b"\n", "nominations"),
    ("instances.csv", INSTANCES.encode("cp1252"), "instances"),
    ("etalab.csv", ("\r\n".join(FINESS_LINES) + "\r\n").encode("cp1252"), "finess"),
    (ds.XLSX_NAME, ds.standard_xlsx(), "candidatures"),
    ("export.csv", ds.template_csv(), "candidatures"),
    ("notes.csv", b"titre;commentaire\nx;y\n", None),
    ("vide.csv", b"", None),
])
def test_the_source_is_read_from_the_headers(name, data, expected):
    assert publish.detect_source(name, data) == expected


def test_a_name_of_its_own_never_overwriting(tmp_path):
    (tmp_path / "arretes.csv").write_text("x", encoding="utf-8")
    (tmp_path / "arretes (2).csv").write_text("x", encoding="utf-8")
    assert publish.unique_name(tmp_path, "arretes.csv") == "arretes (3).csv"
    assert publish.unique_name(tmp_path, "neuf.csv", {"neuf.csv"}) == "neuf (2).csv"
    assert publish.safe_name("../../etc/arretes.csv") == "arretes.csv"
    assert publish.safe_name("C:\\Users\\agent\\.~$arretes.xlsx") == "arretes.xlsx"
    with pytest.raises(publish.UploadError) as error:
        publish.safe_name("arretes.pdf")
    assert "format non lu" in error.value.message_fr


def test_a_dry_run_reports_each_planted_error_and_writes_nothing(served):
    raw, out = served
    before = (_tree(raw), _tree(out), _tree(versions.versions_dir(out)))
    upload = publish.Upload("arretes_mars.csv", NOMINATIONS_WITH_ERRORS.encode("utf-8"), "nominations")
    check = publish.dry_run([upload], raw, out, inspect=lambda path: sorted(p.name for p in path.iterdir()))
    assert (_tree(raw), _tree(out), _tree(versions.versions_dir(out))) == before
    assert check.saved_as == {"arretes_mars.csv": "arretes_mars.csv"}
    errors = [(i.file, i.line, i.column, i.code) for i in check.issues if i.severity == "erreur"]
    assert errors == [("arretes_mars.csv", 2, "date_debut", "date_invalide"),
                      ("arretes_mars.csv", 3, "finess", "instance_inconnue")]
    assert all(i.message_fr for i in check.issues)
    assert check.publishable and check.tables["mandates"] == 16
    assert (check.files[0]["rows_read"], check.files[0]["rows_kept"], check.files[0]["rows_rejected"]) == (3, 1, 2)
    assert "mandates.parquet" in check.preview    # the trial store, looked at before it is deleted


def test_a_dry_run_says_when_the_guards_would_refuse(served):
    raw, out = served
    bad = NOMINATIONS_HEADER + "\n" + "\n".join(
        f"670000099;;CDU;titulaire;Nom{i};Prénom;;AIDES;01/02/2026;31/01/2029;;;A-{i};20/01/2026" for i in range(20))
    check = publish.dry_run([publish.Upload("mauvais.csv", bad.encode("utf-8"), "nominations")], raw, out)
    assert not check.publishable
    assert any("rejetée(s) sur" in reason and "au-delà du seuil de 25" in reason for reason in check.refused)


def test_publishing_saves_under_its_own_name_builds_and_keeps_a_version(served):
    raw, out = served
    (raw / "nominations" / "complement.csv").write_text(EXTRA_NOMINATIONS, encoding="utf-8")  # a homonym, kept
    first = versions.in_service(out)
    upload = publish.Upload("complement.csv", EXTRA_NOMINATIONS.replace("Lambert", "Lambertin").replace(
        "Girard", "Girardin").encode("utf-8"), "nominations")
    publication = publish.publish([upload], raw, out, "agent@ars.sante.fr")
    assert publication.saved == ["nominations/complement (2).csv"]
    assert (raw / "nominations" / "complement.csv").read_text(encoding="utf-8") == EXTRA_NOMINATIONS
    assert publication.result.ok and publication.set_aside_dir is None
    latest = versions.in_service(out)
    assert latest.id == publication.result.version != first.id
    assert latest.published_by == "agent@ars.sante.fr" and latest.meta["via"] == "page"
    assert latest.meta["files"]["added"] == ["nominations/complement (2).csv", "nominations/complement.csv"]


def test_a_refused_publication_keeps_the_store_and_sets_its_files_aside(served):
    raw, out = served
    store_before = _tree(out)
    bad = NOMINATIONS_HEADER + "\n" + "\n".join(
        f"670000099;;CDU;titulaire;Nom{i};Prénom;;AIDES;01/02/2026;31/01/2029;;;A-{i};20/01/2026" for i in range(20))
    publication = publish.publish([publish.Upload("mauvais.csv", bad.encode("utf-8"), "nominations")], raw, out,
                                  "local")
    assert publication.result.refused and not publication.result.forced
    assert _tree(out) == store_before
    assert not (raw / "nominations" / "mauvais.csv").exists()
    assert (publication.set_aside_dir / "nominations" / "mauvais.csv").read_text(encoding="utf-8") == bad


def test_one_publication_at_a_time(served):
    raw, out = served
    with versions.lock(out), pytest.raises(versions.Busy):
        publish.publish([publish.Upload("a.csv", EXTRA_NOMINATIONS.encode("utf-8"), "nominations")], raw, out, "x")
    assert not (raw / "nominations" / "a.csv").exists()
