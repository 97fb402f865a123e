"""The one shape of every problem found in a record, whoever found it."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """Something a curator must fix (``error``) or should look at (``warning``)."""

    file: str
    line: int
    column: int
    field: str
    message: str
    expected: str = ""
    severity: str = "error"
    value: str | None = None
    shape: str | None = None
    constraint: str | None = None

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.column}: {self.field or '(record)'}: {self.message}"
        if self.expected:
            text += f"; expected {self.expected}"
        return text

    def as_json(self) -> dict:
        return asdict(self)


class CstoKgError(Exception):
    """Base of the errors the tool reports to its users; ``status`` is the HTTP status."""

    status = 500

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidRecords(CstoKgError):
    """One or more records have errors; nothing was written."""

    status = 422

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in the records; nothing was changed")


class UsageError(CstoKgError):
    """The command or request itself is wrong (a missing folder, a bad option)."""

    status = 400
