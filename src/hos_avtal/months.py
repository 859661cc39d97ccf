"""Calendar months: parsing ``YYYY-MM`` and the first and last day of a month."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from hos_avtal._types import Month

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def today() -> dt.date:
    """Today's date, the limit no recorded event can pass (one function, so a test can set it)."""
    return dt.date.today()


def parse_month(text: str) -> Month:
    """Parse ``"2022-03"`` into the month's first day.

    >>> parse_month("2022-03")
    datetime.date(2022, 3, 1)
    """
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"{text!r} is not a month; write it as YYYY-MM, e.g. 2022-03")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


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
        raise ValueError(f"{text!r}: the range ends before it starts")
    months = []
    while start <= stop:
        months.append(start)
        start = (start + dt.timedelta(days=32)).replace(day=1)
    return months
