"""Validation issues: every problem found in a raw file, with where it is and a French message."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

ERROR = "erreur"
WARNING = "avertissement"

REJECT_COLUMNS = ["source", "file", "line", "column", "value", "code", "severity", "message_fr", "kept"]
# Files that name people: a misaligned row can put a name in any cell, so the rejects never echo a cell of theirs
# that holds letters (dates, numbers and codes are kept: they help find the line and cannot be a name).
NOMINATIVE_SOURCES = ("nominations", "formations", "candidatures")
NOT_ECHOED = "…"
# Never a name: no letter at all (numbers, dates, « =1+1 »), a byte « 0xE9 », a cell « J4 », our own « (masqué) ».
_SAFE = re.compile(r"[^A-Za-zÀ-ÖØ-öø-ÿ]*|0x[0-9A-Fa-f]{2}|[A-Z]{1,3}\d{1,7}|\(masqué\)")


def echoed(source: str, value: str) -> str:
    """The value as the rejects may show it: in a nominative file, « … » for anything holding letters."""
    if source in NOMINATIVE_SOURCES and value and not _SAFE.fullmatch(value):
        return NOT_ECHOED
    return value


@dataclass(frozen=True)
class ValidationIssue:
    source: str
    file: str
    line: int | None
    column: str
    value: str
    code: str
    severity: str
    message_fr: str
    # Whether the row stays in the store; by default warnings keep it and errors drop it.
    kept: bool | None = None

    @property
    def blocking(self) -> bool:
        return self.severity == ERROR


@dataclass
class IssueLog:
    """Collects every issue of a build in one pass; errors drop their row, warnings keep it."""

    issues: list[ValidationIssue] = field(default_factory=list)

    def add(self, source: str, file: str, line: int | None, column: str, value, code: str, severity: str,
            message_fr: str, kept: bool | None = None) -> None:
        value = "" if value is None else str(value)
        shown = echoed(source, value)
        if shown != value and value:  # the message quotes the cell too: never the name it may hold
            message_fr = message_fr.replace(value, NOT_ECHOED)
        self.issues.append(ValidationIssue(source, file, line, column, shown, code, severity, message_fr, kept))

    def error(self, source, file, line, column, value, code, message_fr) -> None:
        self.add(source, file, line, column, value, code, ERROR, message_fr)

    def warning(self, source, file, line, column, value, code, message_fr) -> None:
        self.add(source, file, line, column, value, code, WARNING, message_fr)

    def records(self) -> list[dict]:
        # `kept` tells the user whether the row is in the store despite the issue.
        return [{**asdict(i), "kept": (not i.blocking) if i.kept is None else i.kept} for i in self.issues]

    def rejected_lines(self, source: str, file: str) -> set[int]:
        return {i.line for i in self.issues if i.source == source and i.file == file and i.blocking and i.line}
