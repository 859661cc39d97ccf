"""Calendar months: parsing ``YYYY-MM`` and the first and last day of a month."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import TYPE_CHECKING

from hos_avtal._types import Month
from hos_avtal.errors import InputError, Problem, quotable

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

MONTH_PATTERN = r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])$"
"""A month as ``YYYY-MM``, 1900-01 to 2999-12: the one pattern of every input that names a month
(files, options, JSON fields, form fields)."""
_MONTH = re.compile(MONTH_PATTERN)


class MonthError(InputError, ValueError):
    """A text that is not a month. An :class:`~hos_avtal.errors.InputError` like every bad input
    (and a :class:`ValueError`, as ``date.fromisoformat`` raises for a bad date)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(field, [Problem(None, None, reason)])

    def _message(self) -> str:
        return self.problems[0].reason


def today() -> dt.date:
    """Today's date, the limit no recorded event can pass (one function, so a test can set it)."""
    return dt.date.today()


def parse_month(text: str) -> Month:
    """Parse ``"2022-03"`` into the month's first day.

    >>> parse_month("2022-03")
    datetime.date(2022, 3, 1)
    """
    stripped = text.strip()
    if not _MONTH.match(stripped):
        raise MonthError("month", f"{quotable(text)!r} är ingen månad; skriv den ÅÅÅÅ-MM, t.ex. 2022-03")
    return dt.date(int(stripped[:4]), int(stripped[5:]), 1)


def format_month(month: Month) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def month_end(month: Month) -> dt.date:
    """The last calendar day of the month."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def previous_month(month: Month) -> Month:
    return (month - dt.timedelta(days=1)).replace(day=1)


def month_range(text: str) -> list[Month]:
    """``"2022-01..2022-12"`` (both included) or one month ``"2022-03"``.

    >>> [format_month(m) for m in month_range("2022-11..2023-01")]
    ['2022-11', '2022-12', '2023-01']
    """
    first, _, last = text.partition("..")
    start, stop = parse_month(first), parse_month(last or first)
    if stop < start:
        raise MonthError("months", f"{quotable(text)!r}: intervallet slutar innan det börjar")
    months = []
    while start <= stop:
        months.append(start)
        start = (start + dt.timedelta(days=32)).replace(day=1)
    return months


def months_in_a_row(flags: npt.NDArray[np.bool_], ordinals: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """For each month (rows, in calendar order, ``ordinals`` their month numbers) and each column:
    how many months in a row, ending with that one, the flag held. A calendar gap between two
    rows breaks the row, as a month that was not billed does (docs/rules.md §4, recurring
    liability). The one home of that rule: the engine and the stored runs both count with it.

    >>> import numpy as np
    >>> flags = np.array([[True, False], [True, True], [True, True], [False, True]])
    >>> months_in_a_row(flags, np.array([0, 1, 3, 4])).tolist()
    [[1, 0], [2, 1], [1, 1], [0, 2]]
    """
    import numpy as np

    run = np.zeros(flags.shape, dtype=np.int64)
    for i in range(flags.shape[0]):  # months, not episodes: a few dozen at most
        follows = i > 0 and ordinals[i] == ordinals[i - 1] + 1
        previous = run[i - 1] if follows else 0
        run[i] = np.where(flags[i], previous + 1, 0)
    return run
