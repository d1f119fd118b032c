"""No name reaches the store; small counts are masked with a complementary cell."""
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from observatoire.domain.privacy import hide, protect_table
from tests.conftest import FIXTURE_NAMES


def _string_cells(store_dir):
    for path in sorted(store_dir.glob("*.parquet")):
        table = pq.read_table(path)
        for field in table.schema:
            if str(field.type) == "string":
                for value in table.column(field.name).to_pylist():
                    if value:
                        yield path.name, field.name, value
    for path in sorted(store_dir.glob("*.csv")) + sorted(store_dir.glob("*.json")):
        yield path.name, "", path.read_text(encoding="utf-8-sig")


def test_no_fixture_name_in_the_store(fixture_store_dir):
    needles = [n.lower() for n in FIXTURE_NAMES]
    hits = [(f, c, v) for f, c, v in _string_cells(fixture_store_dir) if any(n in v.lower() for n in needles)]
    assert hits == []


def test_small_counts_are_masked_with_a_complementary_cell():
    frame = pd.DataFrame({"trained": [4, 30, 0], "untrained": [40, 25, 12], "other": [15, 14, 13]})
    mask = protect_table(frame, ["trained", "untrained", "other"], 11,
                         row_total=(None, ["trained", "untrained", "other"]))
    masked = hide(frame, mask)
    # Row 0: 4 is masked, and the smallest other cell (15) too, so 4 cannot be recomputed from a total.
    assert np.isnan(masked.loc[0, "trained"]) and np.isnan(masked.loc[0, "other"])
    assert masked.loc[0, "untrained"] == 40
    # Row 1: nothing under 11. Row 2: zero is not masked (nobody), nothing else small.
    assert not mask.loc[1].any() and not mask.loc[2].any()


def test_no_demo_name_reaches_the_store(tmp_path, monkeypatch):
    """Build the region-scale demo and look for every generated last name in every stored string."""
    import csv

    from pipelines.build import build
    from pipelines.demo import generate

    monkeypatch.delenv("OBSERVATOIRE_PSEUDONYM_KEY")  # demo files: the demo key applies
    raw = tmp_path / "raw"
    generate(raw, scale="region")
    people = set()
    for path in list((raw / "nominations").glob("*.csv")) + list((raw / "formations").glob("*.csv")):
        encoding = "cp1252" if b"\xe9" in path.read_bytes()[:200000] and b"\xc3" not in path.read_bytes()[:200000] \
            else "utf-8-sig"
        with path.open(encoding=encoding) as fh:
            sample = fh.readline()
            fh.seek(0)
            for row in csv.DictReader(fh, delimiter="\t" if "\t" in sample else ";"):
                if row.get("nom") and row.get("prenom"):
                    people.add((" ".join(row["nom"].split()).lower(), " ".join(row["prenom"].split()).lower()))
    assert len(people) > 500
    result = build(raw, tmp_path / "out")
    assert result.manifest["demo"] is True
    cells = [v.lower() for _, _, v in _string_cells(tmp_path / "out")]
    stored = "\n".join(cells)
    # Surnames can be ordinary words (Paris, François in « Association François Aupetit »): a person leaks when
    # a full name appears, or when a surname is a whole stored value.
    full_names = [f for last, first in people for f in (f"{first} {last}", f"{last} {first}") if f in stored]
    from observatoire.base import referential

    places = {t["nom"].lower() for t in referential.territories()}  # « Paris » is a surname and a département
    whole_cells = (set(cells) - places) & {last for last, _ in people}
    assert full_names == [] and sorted(whole_cells) == []


def test_free_text_never_keeps_personal_data(fresh_raw, tmp_path):
    """Names of designated people, e-mail addresses, phone numbers and a civility followed by a name typed in free
    text (a milestone, a roadmap action and its owner, a project title and link) are withdrawn with a warning at
    their line that never repeats them."""
    from pipelines.build import build

    raw = fresh_raw
    (raw / "convention" / "jalons.csv").write_text(
        "id_convention;date_jalon;type_jalon;libelle_jalon\n"
        "GE-TEST;15/06/2026;comite_suivi;Groupe de suivi avec Jean-Michel Meyer\n"
        "GE-TEST;15/12/2027;bilan_intermediaire;Bilan intermédiaire 2027\n", encoding="utf-8")
    (raw / "convention" / "actions.csv").write_text(
        "id_convention;id_action;axe;libelle_action;pilote;echeance;statut_action\n"
        "GE-TEST;A1;Réduire la vacance;Écrire à claire.muller@exemple.fr;ARS;30/06/2026;fait\n"
        "GE-TEST;A2;Former;Sessions supplémentaires;Mme Keller;30/09/2026;en_cours\n"
        "GE-TEST;A3;Former;Rappeler au 06 12 34 56 78;FAS GE;30/09/2026;en_cours\n", encoding="utf-8")
    out = tmp_path / "out"
    assert build(raw, out).ok
    milestones = pd.read_parquet(out / "milestones.parquet")
    assert "Groupe de suivi avec Jean-Michel Meyer" not in set(milestones["label"])
    actions = pd.read_parquet(out / "actions.parquet").set_index("action_id")
    assert actions.loc["A1", "label"] == actions.loc["A2", "owner"] == actions.loc["A3", "label"] \
        == "[retiré : donnée personnelle]"
    assert actions.loc["A2", "label"] == "Sessions supplémentaires"          # a plain text stays
    rejects = pd.read_parquet(out / "rejects.parquet")
    withdrawn = rejects[rejects["code"] == "donnee_personnelle_texte_libre"].sort_values(["file", "line"])
    assert [(r.file, r.line, r.column) for r in withdrawn.itertuples()] == [
        ("actions.csv", 2, "libelle_action"), ("actions.csv", 3, "pilote"), ("actions.csv", 4, "libelle_action"),
        ("jalons.csv", 2, "libelle_jalon")]
    assert withdrawn["message_fr"].str.contains("le nom d'une personne désignée").any()
    for needle in ("Meyer", "muller@", "06 12 34", "Keller"):       # never echoed, anywhere
        assert not any(needle.lower() in v.lower() for _, _, v in _string_cells(out)), needle


def test_a_misaligned_nominative_row_never_copies_a_name_into_the_rejects(fresh_raw, tmp_path):
    """The first cells are missing: the surname lands in type_instance and the first name in role; the rejects
    say where, never what."""
    from pipelines.build import build
    from tests.conftest import NOMINATIONS_HEADER

    (fresh_raw / "nominations" / "decale.csv").write_text(
        NOMINATIONS_HEADER + "\n;;Zidane;Yazid;;;;;01/01/2026;31/12/2028;;;ARS-X;15/12/2025\n", encoding="utf-8")
    out = tmp_path / "out"
    build(fresh_raw, out)
    rejects = pd.read_parquet(out / "rejects.parquet")
    rows = rejects[rejects["file"] == "decale.csv"]
    assert len(rows) >= 1
    assert not rows["value"].str.contains("Zidane|Yazid").any()
    assert not rows["message_fr"].str.contains("Zidane|Yazid").any()


@pytest.mark.parametrize("text, why", [
    ("Groupe de suivi avec Jean-Michel MEYER", "le nom d'une personne désignée"),
    ("Réunion : Meyer Jean-Michel excusé", "le nom d'une personne désignée"),
    ("CVS – Maison de retraite Sainte-Marie – Paris", None),   # a saint and a town, not Marie Paris
    ("Résidence Saint-Jean Michel", None),
    ("Écrire à m.paris@exemple.fr", "une adresse électronique"),
    ("Appeler le 03 88 12 34 56", "un numéro de téléphone"),
    ("Suivi par Mme Schmitt", "une civilité suivie d'un nom"),
    ("Réunion avec Mme la directrice", None),
    ("Campagne CDU 2026", None),
])
def test_what_counts_as_personal_data_in_free_text(text, why):
    from pipelines.sources import known_names, personal_data_in

    names = known_names([pd.DataFrame({"last_name": ["Meyer", "Paris", "Michel"],
                                       "first_name": ["Jean-Michel", "Marie", "Jean"]})])
    assert personal_data_in(text, names) == why
