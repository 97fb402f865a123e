"""The one shape of every problem found in a record, whoever found it, and the errors every layer raises.

Errors live here, at the bottom of the package, so that any layer can raise or catch them
without importing the layer that usually raises them (a remote store raises the endpoint's
:class:`QueryTimeout`; the build and the endpoint catch :class:`StoreMissing`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True, order=True, slots=True)  # slots: a build of many meetings holds every warning
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


# -- the store


class StoreMissing(CstoKgError):
    """There is no build to read: the store was never built, or its current build is gone."""

    status = 503

    def __init__(self, location: Path | str):
        super().__init__(f"no built store at {location}; run `csto-kg build` first")


class BuildInProgress(CstoKgError):
    status = 409

    def __init__(self, path: Path):
        super().__init__(f"another build holds {path / 'lock'}; wait for it to finish")


class StoreUnavailable(CstoKgError):
    """The remote store could not be reached or kept failing with transient errors."""

    status = 503


class StoreRejected(CstoKgError):
    """The remote store answered a request with an error that retrying will not fix."""

    status = 502


# -- queries


class QueryTimeout(CstoKgError):
    """A query ran past the time limit and was stopped."""

    status = 503


class StoreTimeout(QueryTimeout):
    """A query to the remote store took longer than the time limit; the request was abandoned.

    The same error as an embedded query past the limit, so callers handle both backends alike.
    """
