"""The exception hierarchy of hos_avtal.

Every error a user can cause derives from :class:`HosAvtalError`, whose ``str()`` is a
message meant for a person (the CLI prints it without a traceback, the API turns it into a
problem document). Nothing here ever carries a value of a personal id column.

::

    HosAvtalError
    ├── InputError            bad rows or columns in an input file or frame
    │   └── PlacementInputError   problems in the three placement inputs, each under its file
    ├── RuleSetError          a rule-set file that cannot be read or validated
    │   ├── RuleSetConflictError  a valid rule set that conflicts with the registered ones
    │   └── ScenarioError     a scenario file (an overlay on a rule set) that cannot be used
    ├── CalculationError      the inputs are fine, but the rules cannot be applied
    │   ├── RuleSetNotApplicableError   month outside the rule set / no rule set for the month
    │   ├── EpisodesNeededError         accrual needs the episodes, not their day histogram
    │   └── MissingParameterError       e.g. no fastställt belopp for the year
    └── StorageError          the run database cannot be opened, upgraded or written
        ├── NotFoundError     nothing stored under the id asked for (the API answers 404)
        │   ├── RunNotFoundError       no billing run has the given id
        │   ├── SnapshotNotFoundError  no prognos snapshot of the day asked for
        │   └── DatasetNotFoundError   no scenario dataset has the given id
        ├── FinalRunError     the operation would change a final run
        ├── StaleRunError     the month's last final run changed while a run was computed
        ├── SchemaError       the database's schema is not the one this version needs
        └── RunIntegrityError a stored run no longer matches its seal: it was altered

    ProblemError              raised by the HTTP layer only: a status and a problem document
                              for what has no place above (a missing key, a wrong role)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_NOT_QUOTABLE = re.compile(r"[0-9]{6}|[^\x20-\x7e\u00c0-\u024f]")
NOT_SHOWN = "(not shown)"


def quotable(text: str) -> str:
    """``text`` (a name someone sent: a field, a key, a code) if a message may repeat it, else
    ``"(not shown)"``: only short text of Latin letters, digits and punctuation, with no run of
    six digits (a personnummer has ten), may be repeated back.

    >>> quotable("free_dayz"), quotable("19121212-1212"), quotable("a" + chr(0) + "b")
    ('free_dayz', '(not shown)', '(not shown)')
    """
    return text if len(text) <= 60 and not _NOT_QUOTABLE.search(text) else NOT_SHOWN


class HosAvtalError(Exception):
    """Base class of every error caused by input, rule sets or parameters."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in an input: where it is and why it is wrong.

    ``row`` is the row as a spreadsheet shows it (the header is row 1, so the first data row
    of a CSV file is row 2); for Parquet and in-memory frames it is the 1-based record number.
    ``row`` is ``None`` for a problem with the whole file (a missing column).
    """

    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"rad {self.row}")
        if self.column is not None:
            where.append(f"kolumn {self.column!r}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


class InputError(HosAvtalError):
    """An input has problems; nothing was computed or written.

    ``problems`` holds every problem found, not only the first.
    """

    max_listed = 100

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__(self._message())

    def _message(self) -> str:
        n = len(self.problems)
        head = f"{self.source}: {n} fel i indata; ingenting beräknades."
        lines = [head] + [f"  {self.source}, {p}" for p in self.problems[: self.max_listed]]
        if n > self.max_listed:
            rest = Counter((p.column, p.reason) for p in self.problems[self.max_listed :])
            lines.append(f"  … och {n - self.max_listed} till:")
            lines += [
                f"    {count} × kolumn {col!r}: {reason}" for (col, reason), count in rest.most_common()
            ]
        return "\n".join(lines)


class PlacementInputError(InputError):
    """Problems in one or more of the three placement inputs, each listed under its own file."""

    def __init__(self, errors: Sequence[InputError]) -> None:
        self.errors = list(errors)
        super().__init__(
            ", ".join(e.source for e in self.errors), [p for e in self.errors for p in e.problems]
        )

    def _message(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class RuleSetError(HosAvtalError):
    """A rule-set file is missing, unreadable or invalid."""

    def __init__(self, source: str, reason: str, key: str | None = None) -> None:
        self.source = source
        self.key = key
        self.reason = reason
        where = f"{source}, nyckel {key!r}" if key else source
        super().__init__(f"regelverk {where}: {reason}")


class RuleSetConflictError(RuleSetError):
    """A valid rule set that cannot be registered: its id is a shipped one's, or a final run used
    other content under it, or its validity overlaps another automatic agreement's."""


class ScenarioError(RuleSetError):
    """A scenario file or request is missing, unreadable or invalid (unknown parameter, wrong type,
    value out of range); the message names the file (or request) and the key (a key that could
    hold personal data is not repeated: see :func:`quotable`)."""

    def __init__(self, source: str, reason: str, key: str | None = None) -> None:
        key = None if key is None else ".".join(quotable(part) for part in key.split("."))
        super().__init__(source, reason, key)
        where = f"{source}, nyckel {key!r}" if key else source
        self.args = (f"scenario {where}: {reason}",)

    def __str__(self) -> str:
        return str(self.args[0])


class CalculationError(HosAvtalError):
    """The inputs are valid but the rules cannot be applied to them."""


class RuleSetNotApplicableError(CalculationError):
    """The month is outside the rule set's validity, or no rule set covers it."""


class EpisodesNeededError(CalculationError):
    """The rules need the episodes themselves (accrual while admitted bills an episode across the
    months it stays), not the day histogram a stored dataset keeps: read the episodes."""


class MissingParameterError(CalculationError):
    """A parameter has no value for the period, e.g. no fastställt belopp for a year."""


class StorageError(HosAvtalError):
    """The run database cannot be opened, upgraded or written."""


class NotFoundError(StorageError):
    """Nothing is stored under the id (or day) asked for."""


class SchemaError(StorageError):
    """The database's schema is older (or newer) than this version of hos_avtal needs, and it was
    opened not to be migrated (``hos-avtal serve``): the message names ``hos-avtal db upgrade``."""


class RunNotFoundError(NotFoundError):
    """No billing run has the given id."""


class SnapshotNotFoundError(NotFoundError):
    """No prognos snapshot is stored for the day asked for (or none at all)."""


class DatasetNotFoundError(NotFoundError):
    """No scenario dataset has the given id."""


class StaleRunError(StorageError):
    """The month's last final run changed while this run was computed: compute it again."""


class FinalRunError(StorageError):
    """The operation would change a final run, or make a second final run of one version."""


class RunIntegrityError(StorageError):
    """A stored run's rows no longer match its seal: something changed it behind the app.

    Raised instead of serving the run; ``hos-avtal run verify`` checks every run for auditors.
    """


class ProblemError(Exception):
    """Raised by the HTTP layer's routes and dependencies for an error that has no place in the
    core's hierarchy (a missing key, a role that may not, a 404 a kommun key gets for another
    municipality): the status, a detail for people and the problem document's extra members.
    Not a :class:`HosAvtalError`: the core never raises it."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.errors = errors
        self.headers = headers
