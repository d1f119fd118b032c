"""No name reaches the store; small counts are masked with a complementary cell."""
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from observatoire.privacy import mask_small_counts
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
