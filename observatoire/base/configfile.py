"""The house's TOML configuration files (access, subscriptions, démarches): a list of [[table]] entries each.

Any mistake makes the whole file unusable; the caller's error class carries the French message."""
from __future__ import annotations

import tomllib


def entries(text: str, table: str, source: str, error: type[Exception]) -> list[dict]:
    """The file's [[table]] entries, or `error` with the file's name when it is not readable TOML or not a list."""
    try:
        found = tomllib.loads(text).get(table, [])
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{source} : fichier TOML illisible ({exc}).") from None
    if not isinstance(found, list):
        raise error(f"{source} : « {table} » doit être une liste d'entrées [[{table}]].")
    return found
