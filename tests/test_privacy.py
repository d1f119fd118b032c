"""No name reaches the store; small counts are masked with a complementary cell."""
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from observatoire.domain.privacy import mask_small_counts
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


def test_mask_small_counts_with_complementary_cell():
    frame = pd.DataFrame({"trained": [4, 30, 0], "untrained": [40, 25, 12], "other": [15, 14, 13]})
    masked, mask = mask_small_counts(frame, ["trained", "untrained", "other"], 11)
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
