"""Hostile and careless inputs (issue 14): each case has its input file and its exact expected behaviour —
store kept or replaced, exit code, French message, line and column. The README's developer section lists them."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from observatoire.__main__ import main as observatoire_main
from observatoire.base import formatting, settings
from observatoire.base.db import Store, StoreDamaged, check_store, recover_store
from pipelines import build as build_module
from pipelines.__main__ import main as pipelines_main
from pipelines.build import build
from pipelines.casting import parse_end_reason
from tests.conftest import INSTANCES, NOMINATIONS, NOMINATIONS_HEADER, SEANCES

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
NNBSP = "\u202f"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def built(tmp_path, fresh_raw):
    """The fixture raw files and a good store built from them (what the user has before the bad file)."""
    out = tmp_path / "out"
    assert build(fresh_raw, out).ok
    return fresh_raw, out


def run_build(raw: Path, out: Path, capsys, *extra: str) -> tuple[int, str, str]:
    code = pipelines_main(["build", "--raw", str(raw), "--out", str(out), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def issues_of(result, code: str) -> list[tuple]:
    return [(i.file, i.line, i.column, i.value, i.message_fr) for i in result.log.issues if i.code == code]


# --- Never lose a good store --------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding, bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
                                           ("utf-16-le", b"")])
def test_utf16_text_is_read_like_the_other_encodings(built, capsys, encoding, bom):
    """Excel's « Texte Unicode »: UTF-16 with BOM, tab separator, CRLF."""
    raw, out = built
    before = pd.read_parquet(out / "bodies.parquet")
    text = INSTANCES.replace(";", "\t").replace("\n", "\r\n")
    (raw / "instances" / "instances.csv").write_bytes(bom + text.encode(encoding))
    code, stdout, err = run_build(raw, out, capsys)
    assert (code, err) == (0, "")
    entry = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["sources"]["instances"]["files"][0]
    assert (entry["encoding"], entry["separator"], entry["rows_read"], entry["rows_kept"]) == (encoding, "tab", 3, 3)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "bodies.parquet"), before)


def test_a_source_falling_to_zero_rows_keeps_the_store(built, capsys):
    raw, out = built
    before = snapshot(out)
    # The instances file lost its « libelle » column: the file is not read, every body disappears.
    (raw / "instances" / "instances.csv").write_text(INSTANCES.replace(";libelle;", ";nom;"), encoding="utf-8")
    code, stdout, err = run_build(raw, out, capsys)
    assert code == 3
    assert snapshot(out) == before
    assert err.startswith("Construction refusée : la source « instances » passerait de 3 ligne(s) à 0 ; ")
    assert "L'entrepôt actuel est conservé." in err and "--force" in err
    assert "[instances] Fichier(s) non lu(s) : instances.csv (colonne(s) absente(s) : libelle)." in stdout


def test_a_table_shrinking_by_more_than_half_keeps_the_store(built, capsys):
    raw, out = built
    before = snapshot(out)
    first_five = "\n".join(NOMINATIONS.strip().splitlines()[:6]) + "\n"
    (raw / "nominations" / "arretes_2026.csv").write_text(first_five, encoding="utf-8")
    result = build(raw, out)
    assert result.refused == ["la table « mandates » passerait de 15 à 5 lignes (moins de la moitié)"]
    assert result.kept_previous and not result.ok
    assert snapshot(out) == before


SEANCES_MOSTLY_WRONG = SEANCES + """670000025;;CDU;15/09/2026;1;4
670000025;;CDU;15/10/2026;1;4
670000025;;CDU;15/11/2026;1;4
670000025;;CDU;15/12/2026;1;4
"""


def test_an_error_rate_above_the_threshold_keeps_the_store(built, capsys):
    raw, out = built
    before = snapshot(out)
    (raw / "seances" / "seances.csv").write_text(SEANCES_MOSTLY_WRONG, encoding="utf-8")
    code, _, err = run_build(raw, out, capsys)
    assert code == 3
    assert err.startswith(f"Construction refusée : la source « seances » a 5 ligne(s) rejetée(s) sur 8 "
                          f"(62,5{NNBSP}%), au-delà du seuil de 25{NNBSP}%. L'entrepôt actuel est conservé.")
    assert snapshot(out) == before


def test_the_threshold_is_a_setting_with_a_cli_override(built, capsys, monkeypatch):
    raw, out = built
    (raw / "seances" / "seances.csv").write_text(SEANCES_MOSTLY_WRONG, encoding="utf-8")
    assert run_build(raw, out, capsys, "--max-reject-rate", "0.7")[0] == 0
    monkeypatch.setenv("OBSERVATOIRE_MAX_REJECT_RATE", "0.5")
    assert settings.max_reject_rate() == 0.5
    assert run_build(raw, out, capsys)[0] == 3
    monkeypatch.setenv("OBSERVATOIRE_MAX_REJECT_RATE", "0.7")
    assert run_build(raw, out, capsys)[0] == 0


def test_force_swaps_anyway(built, capsys):
    raw, out = built
    (raw / "seances" / "seances.csv").write_text(SEANCES_MOSTLY_WRONG, encoding="utf-8")
    code, _, err = run_build(raw, out, capsys, "--force")
    assert code == 0
    assert err.startswith("Entrepôt remplacé malgré (--force) : la source « seances » a 5 ligne(s)")
    assert len(pd.read_parquet(out / "meetings.parquet")) == 3 and check_store(out) == []


def test_an_internal_error_never_exits_0_and_keeps_the_store(built, capsys, monkeypatch):
    raw, out = built
    before = snapshot(out)

    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(build_module, "to_arrow", broken)
    code, _, err = run_build(raw, out, capsys)
    assert code == 1
    assert err == (f"La construction a échoué (ValueError : boom). L'entrepôt actuel est conservé. Détails "
                   f"techniques : {settings.log_file()}.\n")
    assert snapshot(out) == before
    assert "Traceback" in settings.log_file().read_text(encoding="utf-8")


def test_a_file_missing_columns_is_reported_as_not_read(tmp_path, fresh_raw, capsys):
    (fresh_raw / "nominations" / "sans_dates.csv").write_text(
        NOMINATIONS_HEADER.replace(";date_debut;date_fin;", ";debut_x;fin_x;") + "\n670000025;;CDU;titulaire;A;B;;;;;;;;\n",
        encoding="utf-8")
    result = build(fresh_raw, tmp_path / "out")
    report = result.manifest["sources"]["nominations"]
    entry = next(f for f in report["files"] if f["file"] == "sans_dates.csv")
    assert (entry["read"], entry["missing_columns"]) == (False, ["date_debut", "date_fin"])
    assert report["status"] == "partiel"
    assert report["message_fr"] == ("Fichier(s) non lu(s) : sans_dates.csv (colonne(s) absente(s) : date_debut, "
                                    "date_fin).")


TODAY = dt.date.today()
IN_TEN_YEARS = TODAY.replace(year=TODAY.year + 10) if (TODAY.month, TODAY.day) != (2, 29) else TODAY.replace(
    year=TODAY.year + 10, day=28)
IMPLAUSIBLE_NOMINATIONS = NOMINATIONS_HEADER + """
670000025;;CDU;titulaire;Aa;Bb;;UFC;01/01/1990;31/12/2028;;;R1;15/12/2025
670000025;;CDU;titulaire;Cc;Dd;;UFC;01/01/2026;01/01/2099;;;R2;15/12/2025
670000025;;CDU;titulaire;Ee;Ff;01/01/2015;UFC;01/01/2026;31/12/2028;;;R3;15/12/2025
670000025;;CDU;titulaire;Gg;Hh;01/01/1900;UFC;01/01/2026;31/12/2028;;;R4;15/12/2025
"""
IMPLAUSIBLE_INSTANCES = INSTANCES + """CDU;670000099;;CDU géante;2147483648;2;01/01/2016;
CDU;670000098;;CDU trop grande;50;2;01/01/2016;
CRSA;;44;CRSA Grand Est;100;100;;
"""
# (file, line, column, value, French message) — the birth date itself is never copied.
PLAUSIBILITY_CASES = [
    ("arretes_2026.csv", 2, "date_debut", "01/01/1990",
     "Date du 01/01/1990 invraisemblable : antérieure au 01/01/2000."),
    ("arretes_2026.csv", 3, "date_fin", "01/01/2099",
     f"Date du 01/01/2099 invraisemblable : plus de 10 ans dans le futur (après le {IN_TEN_YEARS:%d/%m/%Y})."),
    ("arretes_2026.csv", 4, "date_naissance", "(masqué)",
     "Date de naissance invraisemblable : la personne aurait moins de 16 ans au 01/01/2026."),
    ("arretes_2026.csv", 5, "date_naissance", "(masqué)",
     "Date de naissance invraisemblable : la personne aurait plus de 110 ans au 01/01/2026."),
    ("instances.csv", 5, "sieges_titulaires", "2147483648",
     f"« 2147483648 » est un nombre invraisemblablement grand (au plus 2{NNBSP}147{NNBSP}483{NNBSP}647)."),
    ("instances.csv", 6, "sieges_titulaires", "50",
     "50 sièges de titulaires pour une instance CDU : invraisemblable (au plus 10)."),
]


def test_implausible_values_are_rejected_with_french_messages(tmp_path, fresh_raw, capsys):
    (fresh_raw / "nominations" / "arretes_2026.csv").write_text(IMPLAUSIBLE_NOMINATIONS, encoding="utf-8")
    (fresh_raw / "instances" / "instances.csv").write_text(IMPLAUSIBLE_INSTANCES, encoding="utf-8")
    code, _, err = run_build(fresh_raw, tmp_path / "out", capsys, "--max-reject-rate", "1")
    assert code == 0, err
    rejects = pd.read_parquet(tmp_path / "out" / "rejects.parquet")
    implausible = rejects[rejects["code"].isin(["date_invraisemblable", "age_invraisemblable", "entier_trop_grand",
                                                "sieges_invraisemblables"])]
    assert sorted(map(tuple, implausible[["file", "line", "column", "value", "message_fr"]].values.tolist())) == \
        sorted(PLAUSIBILITY_CASES)
    assert not implausible["kept"].any()
    # The CRSA with 100 + 100 seats is plausible; nothing of the implausible rows is in the store.
    assert sorted(pd.read_parquet(tmp_path / "out" / "bodies.parquet")["body_id"]) == [
        "CDU-670000025", "CDU-670000033", "CDU-670000041", "CRSA-44"]
    assert len(pd.read_parquet(tmp_path / "out" / "mandates.parquet")) == 0


def test_check_reports_implausible_values(tmp_path, fresh_raw, capsys, monkeypatch):
    monkeypatch.setenv("OBSERVATOIRE_RAW", str(fresh_raw))
    path = tmp_path / "arretes_douteux.csv"
    path.write_text(IMPLAUSIBLE_NOMINATIONS, encoding="utf-8")
    code = pipelines_main(["check", str(path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "ligne 2, colonne date_debut : Date du 01/01/1990 invraisemblable : antérieure au 01/01/2000." in out
    assert ("ligne 4, colonne date_naissance : Date de naissance invraisemblable : la personne aurait moins de 16 ans "
            "au 01/01/2026.") in out


def test_exact_duplicate_rows_are_counted_once(tmp_path, fresh_raw):
    line2 = NOMINATIONS.strip().splitlines()[1]
    (fresh_raw / "nominations" / "arretes_2026.csv").write_text(NOMINATIONS + line2 + "\n" + line2 + "\n",
                                                                encoding="utf-8")
    result = build(fresh_raw, tmp_path / "out")
    assert result.ok
    assert issues_of(result, "ligne_en_double") == [
        ("arretes_2026.csv", 17, "", "", "Ligne identique à la ligne 2 (2 copies, lignes 17 à 18) : comptée une fois.")]
    entry = result.manifest["sources"]["nominations"]["files"][0]
    assert (entry["rows_read"], entry["rows_duplicate"], entry["rows_kept"], entry["rows_rejected"]) == (17, 2, 15, 0)
    assert result.manifest["tables"]["mandates"] == 15


def test_a_million_copies_of_one_line_cost_one_row_and_one_issue(tmp_path, fresh_raw):
    copies = 1_240_000
    line = SEANCES.splitlines()[1]
    (fresh_raw / "seances" / "seances.csv").write_text(
        SEANCES.splitlines()[0] + "\n" + (line + "\n") * copies, encoding="utf-8")
    result = build(fresh_raw, tmp_path / "out")
    assert result.ok
    assert issues_of(result, "ligne_en_double") == [
        ("seances.csv", 3, "", "", f"Ligne identique à la ligne 2 (1{NNBSP}239{NNBSP}999 copies, lignes 3 à "
                                   f"{copies + 1}) : comptée une fois.")]
    assert result.manifest["tables"]["meetings"] == 1


# --- Privacy holes ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("", (None, False)), ("décès", ("décès", False)), ("DECES", ("décès", False)), ("Démission", ("démission", False)),
    ("fin de mandat", ("fin de mandat", False)), ("Fin du mandat", ("fin de mandat", False)),
    ("incompatibilité", ("incompatibilité", False)), ("autre", ("autre", False)),
    ("déménagement", ("autre", False)), ("raisons de santé", ("autre", False)),
    ("démission de M. XYLOPHAGEAU", ("démission", True)), ("M. XYLOPHAGEAU est décédé", ("décès", True)),
    ("parti chez Mme ZORGLUB", ("autre", True)),
])
def test_end_reason_is_a_closed_list(raw, expected):
    assert parse_end_reason(raw) == expected


def test_free_text_end_reason_is_dropped_and_counted(tmp_path, fresh_raw):
    text = NOMINATIONS.replace(";15/02/2026;démission;", ";15/02/2026;démission de M. XYLOPHAGEAU;")
    assert "XYLOPHAGEAU" in text
    (fresh_raw / "nominations" / "arretes_2026.csv").write_text(text, encoding="utf-8")
    result = build(fresh_raw, tmp_path / "out")
    assert issues_of(result, "motif_texte_libre") == [
        ("arretes_2026.csv", 8, "motif_fin", "(masqué)",
         "Motif de fin en texte libre : classé « démission », le texte n'est pas conservé (valeurs possibles : décès, "
         "démission, fin de mandat, incompatibilité, autre).")]
    assert result.manifest["sources"]["nominations"]["files"][0]["free_text_dropped"] == 1
    reasons = pd.read_parquet(tmp_path / "out" / "mandates.parquet")["end_reason"].dropna().tolist()
    assert reasons == ["démission"]
    for path in (tmp_path / "out").iterdir():
        assert b"XYLOPHAGEAU" not in path.read_bytes(), path.name


def test_the_public_demo_key_is_refused_for_real_files(tmp_path, fresh_raw, capsys, monkeypatch):
    monkeypatch.setenv("OBSERVATOIRE_PSEUDONYM_KEY", settings.DEMO_PSEUDONYM_KEY)
    code, _, err = run_build(fresh_raw, tmp_path / "out", capsys)
    assert code == 2
    assert err.startswith("Construction interrompue : source(s) bloquée(s) : nominations, formations.")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pseudonym_key"] == "demo_refusee"
    assert manifest["sources"]["nominations"]["message_fr"].startswith(
        "La clé de démonstration publique est refusée pour des fichiers réels")
    assert manifest["tables"]["mandates"] == 0 and manifest["tables"]["trainings"] == 0


def test_the_demo_key_still_serves_demo_files(tmp_path, monkeypatch):
    monkeypatch.setenv("OBSERVATOIRE_PSEUDONYM_KEY", settings.DEMO_PSEUDONYM_KEY)
    raw = tmp_path / "raw"
    (raw / "instances").mkdir(parents=True)
    (raw / "nominations").mkdir(parents=True)
    (raw / "instances" / "demo_i.csv").write_text(INSTANCES, encoding="utf-8")
    (raw / "nominations" / "demo_n.csv").write_text(NOMINATIONS, encoding="utf-8")
    result = build(raw, tmp_path / "out")
    assert result.ok and result.manifest["pseudonym_key"] == "demo"


# --- A clear page for every damaged state -------------------------------------------------------------------

def _truncate_parquet(out: Path) -> str:
    path = out / "mandates.parquet"
    size = path.stat().st_size
    path.write_bytes(path.read_bytes()[: size // 2])
    return (f"le fichier mandates.parquet est tronqué ou modifié ({formatting.number(size // 2)} octets au lieu de "
            f"{formatting.number(size)})")


def _truncate_manifest(out: Path) -> str:
    path = out / "manifest.json"
    path.write_bytes(path.read_bytes()[:100])
    return "le fichier manifest.json est illisible ou tronqué"


def _delete_table(out: Path) -> str:
    (out / "bodies.parquet").unlink()
    return "le fichier bodies.parquet est absent"


def _alter_parquet(out: Path) -> str:
    path = out / "surveys.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return "le fichier surveys.parquet a été modifié depuis sa construction (empreinte différente)"


DAMAGES = [_truncate_parquet, _truncate_manifest, _delete_table, _alter_parquet]


@pytest.mark.parametrize("damage", DAMAGES, ids=[d.__name__ for d in DAMAGES])
def test_a_damaged_store_is_detected_by_app_cli_and_if_stale(built, capsys, monkeypatch, damage):
    raw, out = built
    problem = damage(out)
    assert check_store(out) == [problem]
    with pytest.raises(StoreDamaged) as raised:
        Store(out)
    assert raised.value.problems == [problem]
    # The command line says it in French, rc 2.
    assert observatoire_main(["indicators", "--data", str(out), "--level", "departement", "--territory", "67"]) == 2
    assert capsys.readouterr().err == f"L'entrepôt {out} est endommagé : relancez « make data ». {problem}.\n"
    # The app shows one French page.
    monkeypatch.setenv("OBSERVATOIRE_DATA", str(out))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "L'entrepôt est endommagé"
    assert "relancez `make data`" in at.error[0].value
    assert at.text[0].value == f"• {problem[0].upper()}{problem[1:]}."
    # `make run` (--if-stale) rebuilds it.
    code, _, err = run_build(raw, out, capsys, "--if-stale")
    assert code == 0 and f"Entrepôt endommagé ({problem}) : reconstruction.\n" in err
    assert check_store(out) == []


def test_the_app_recovers_a_store_left_aside_by_a_killed_swap(built, monkeypatch):
    raw, out = built
    before = snapshot(out)
    # Killed between the two renames of the swap: the store is `.out.old`, a dead build left its tmp folder.
    os.replace(out, tmp_old := out.parent / ".out.old")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    leftover = out.parent / f".out.tmp-{dead.stdout.strip()}"
    leftover.mkdir()
    monkeypatch.setenv("OBSERVATOIRE_DATA", str(out))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["territoire"] = "departement:67"
    at.query_params["date"] = "2026-03-01"
    at.run()
    assert not at.exception and not at.error
    assert {m.label: m.value for m in at.metric}["Sièges vacants pourvus par arrêté"] == "3"
    assert snapshot(out) == before and not tmp_old.exists() and not leftover.exists()


def test_a_running_build_is_left_alone(built):
    raw, out = built
    os.replace(out, out.parent / ".out.old")
    running = out.parent / f".out.tmp-{os.getppid()}"  # a live process other than us
    running.mkdir()
    assert recover_store(out) is False
    assert running.exists() and not out.exists()


def test_leftover_folders_are_git_ignored():
    ignored = subprocess.run(["git", "check-ignore", "data/.parquet.old", "data/.parquet.tmp-1234"], cwd=ROOT,
                             capture_output=True, text=True).stdout.split()
    assert ignored == ["data/.parquet.old", "data/.parquet.tmp-1234"]


@pytest.mark.parametrize("wanted, shown, notice", [
    ("1990-01-01", dt.date(2016, 1, 1),
     "Date du 01/01/1990 hors de la période couverte (01/01/2016 – 31/12/2030) : situation au 01/01/2016."),
    ("2099-05-01", dt.date(2030, 12, 31),
     "Date du 01/05/2099 hors de la période couverte (01/01/2016 – 31/12/2030) : situation au 31/12/2030."),
    ("2026-03-01", dt.date(2026, 3, 1), None),
])
def test_a_date_outside_the_selector_is_clamped_with_a_notice(fixture_store_dir, monkeypatch, wanted, shown, notice):
    monkeypatch.setenv("OBSERVATOIRE_DATA", str(fixture_store_dir))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["date"] = wanted
    at.run()
    assert not at.exception
    assert at.sidebar.date_input[0].value == shown
    assert [w.value for w in at.sidebar.warning] == ([notice] if notice else [])


def test_a_page_error_shows_a_french_message_not_a_traceback(fixture_store_dir, tmp_path, monkeypatch):
    """A store whose checksums match but whose table lacks columns the queries need (a future version's store)."""
    out = shutil.copytree(fixture_store_dir, tmp_path / "store")
    pd.DataFrame({"body_id": ["x"]}).to_parquet(out / "bodies.parquet")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["checksums"] = build_module.store_checksums(out)
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.setenv("OBSERVATOIRE_DATA", str(out))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.error[0].value.startswith("Cette page n'a pas pu s'afficher à cause d'une erreur inattendue.")


def test_error_details_are_off_in_the_browser():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"


@pytest.mark.parametrize("command", [
    ["pipelines", "build", "--raw", "{raw}", "--out", "{out}"],
    ["observatoire", "indicators", "--data", "{out}", "--level", "departement"],
])
def test_a_closed_pipe_ends_quietly(built, command):
    raw, out = built
    argv = [sys.executable, "-m", *[a.format(raw=raw, out=out) for a in command]]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    producer = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    first = producer.stdout.readline()
    producer.stdout.close()  # what `| head -1` does
    err = producer.stderr.read().decode()
    producer.wait(timeout=120)
    assert first and "Traceback" not in err and "BrokenPipe" not in err


@pytest.mark.parametrize("argv, message", [
    (["--id", "taux_inconnu"], "Indicateur inconnu : taux_inconnu (liste : python -m observatoire catalogue).\n"),
    (["--level", "departement", "--territory", "99"], "Territoire inconnu : aucun(e) département de code « 99 ».\n"),
    (["--level", "region", "--territory", "67"], "Territoire inconnu : aucun(e) région de code « 67 ».\n"),
    (["--level", "etablissement", "--territory", "999999999"],
     "Territoire inconnu : aucun(e) établissement (n° FINESS) de code « 999999999 ».\n"),
    (["--territory", "67"], "--territory demande --level region, departement ou etablissement.\n"),
])
def test_indicators_with_an_unknown_territory_or_id(fixture_store_dir, capsys, argv, message):
    assert observatoire_main(["indicators", "--data", str(fixture_store_dir), *argv]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", message)


def test_donnees_shows_unread_files_duplicates_and_dropped_free_text(tmp_path, fresh_raw, monkeypatch):
    (fresh_raw / "nominations" / "sans_dates.csv").write_text(
        NOMINATIONS_HEADER.replace(";date_debut;date_fin;", ";debut_x;fin_x;") + "\n670000025;;CDU;titulaire;A;B;;;;;;;;\n",
        encoding="utf-8")
    line2 = NOMINATIONS.strip().splitlines()[1]
    (fresh_raw / "nominations" / "arretes_2026.csv").write_text(
        NOMINATIONS.replace(";15/02/2026;démission;", ";15/02/2026;démission de M. XYLOPHAGEAU;") + line2 + "\n",
        encoding="utf-8")
    build(fresh_raw, tmp_path / "out")
    monkeypatch.setenv("OBSERVATOIRE_DATA", str(tmp_path / "out"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/donnees.py").run()
    assert not at.exception
    assert "Nominations (arrêtés)** — ⚠ en partie lue" in [m.value for m in at.markdown][2]
    # The message is file text from the store: escaped for Markdown (shown exactly as written).
    assert at.error[0].value == formatting.md_escape("Fichier(s) non lu(s) : sans_dates.csv (colonne(s) absente(s) : "
                                                     "date_debut, date_fin).")
    files = at.dataframe[0].value.set_index("Fichier")
    assert files.loc["sans_dates.csv", ["Lu", "Colonnes absentes", "Lignes lues", "Conservées"]].tolist() == [
        "non", "date_debut, date_fin", "1", "0"]
    assert files.loc["arretes_2026.csv", ["Lu", "Lignes lues", "Doublons", "Conservées", "Rejetées",
                                          "Motifs libres écartés"]].tolist() == ["oui", "16", "1", "15", "0", "1"]


def test_a_store_damaged_while_the_app_runs_shows_the_damaged_page(built, monkeypatch):
    raw, out = built
    monkeypatch.setenv("OBSERVATOIRE_DATA", str(out))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["territoire"] = "departement:67"
    at.query_params["date"] = "2026-03-01"
    at.run()
    assert {m.label: m.value for m in at.metric}["Sièges vacants pourvus par arrêté"] == "3"
    problem = _truncate_parquet(out)  # the opened store stays cached: the quick check on each run catches it
    at.run()
    assert not at.exception
    assert at.title[0].value == "L'entrepôt est endommagé"
    assert at.text[0].value == f"• {problem[0].upper()}{problem[1:]}."
