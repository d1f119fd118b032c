"""The README tells a newcomer what to do and points only to files a clone has."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
GENERATED = {"manifest.json", "dictionary.json", "rejects.parquet/csv"}  # written by the build, not committed


def test_readme_says_to_open_the_address():
    assert "ouvrez http://127.0.0.1:8501" in README


def test_developer_section_points_only_to_files_in_the_clone():
    section = README.split("## For developers", 1)[1]
    assert "../" not in section
    files = {p.name for p in ROOT.rglob("*") if ".venv" not in p.parts and ".git" not in p.parts}
    missing = []
    for token in re.findall(r"`([^`\s]+)`", section):
        if token in GENERATED or not re.search(r"\.(py|toml|md|csv|json)$|/$", token):
            continue
        if not ((ROOT / token).exists() or ("/" not in token and token in files)):
            missing.append(token)
    assert missing == []
