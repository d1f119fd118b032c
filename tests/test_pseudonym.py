"""Keyed pseudonyms: spelling variants of one person give one key, other people another."""
import pandas as pd
import pytest

from pipelines.pseudonym import assign_person_keys, normalize_name, person_key

KEY = b"k"


@pytest.mark.parametrize("a, b", [
    (("Jean-Michel  MEYER", ""), ("jean michel meyer", "")),
    (("Abélard", "Hélène"), ("ABELARD", "Helene")),
    (("O'Neil", "Zoé"), ("o neil", "ZOE")),
])
def test_variants_share_a_key(a, b):
    assert person_key(KEY, a[0], a[1], None) == person_key(KEY, b[0], b[1], None)


def test_other_people_and_other_keys_differ():
    assert person_key(KEY, "Meyer", "Jean", None) != person_key(KEY, "Meyer", "Jeanne", None)
    assert person_key(KEY, "Meyer", "Jean", "1950-01-01") != person_key(KEY, "Meyer", "Jean", "1951-01-01")
    assert person_key(b"other", "Meyer", "Jean", None) != person_key(KEY, "Meyer", "Jean", None)


def test_normalize_name():
    assert normalize_name("  Jean-Michel  MEYER ") == "jean michel meyer"


def test_missing_birth_date_borrows_the_only_known_one():
    nominations = pd.DataFrame({"last_name": ["Meyer"], "first_name": ["Jean"], "birth_date": ["1955-03-12"]})
    trainings = pd.DataFrame({"last_name": ["MEYER", "Roth"], "first_name": ["jean", "Sophie"],
                              "birth_date": [None, None]})
    assign_person_keys([nominations, trainings], KEY)
    assert trainings["person_key"][0] == nominations["person_key"][0]
    assert trainings["person_key"][1] != nominations["person_key"][0]
