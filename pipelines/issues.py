"""Validation issues: every problem found in a raw file, with where it is and a French message."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

ERROR = "erreur"
WARNING = "avertissement"

REJECT_COLUMNS = ["source", "file", "line", "column", "value", "code", "severity", "message_fr", "kept"]


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
        self.issues.append(ValidationIssue(source, file, line, column, "" if value is None else str(value), code,
                                           severity, message_fr, kept))

    def error(self, source, file, line, column, value, code, message_fr) -> None:
        self.add(source, file, line, column, value, code, ERROR, message_fr)

    def warning(self, source, file, line, column, value, code, message_fr) -> None:
        self.add(source, file, line, column, value, code, WARNING, message_fr)

    def records(self) -> list[dict]:
        # `kept` tells the user whether the row is in the store despite the issue.
        return [{**asdict(i), "kept": (not i.blocking) if i.kept is None else i.kept} for i in self.issues]

    def rejected_lines(self, source: str, file: str) -> set[int]:
        return {i.line for i in self.issues if i.source == source and i.file == file and i.blocking and i.line}
