"""The one personnummer detector: a Swedish personnummer or samordningsnummer anywhere in a text.

Every reader, the billing run's pseudonymiser and the tests use it, so "looks like a personnummer"
means the same everywhere. It finds a number in any shape people and systems write one:

* 12 or 10 digits, with or without a separator before the last four: ``-``, ``+`` (the holder
  is 100 or older), a hyphen or dash of another kind (``‐ ‑ ‒ – —``), the minus sign ``−``, a
  space, a no-break or thin space;
* inside other text: ``PNR19121212-1212``, ``pnr: 121212-1212``, ``avd 4 19121212 1212``;
* a samordningsnummer (the day of birth plus 60).

A candidate counts when its digits form a plausible date (month 01–12, day 01–31 or 61–91) and
the Luhn check digit of its last ten digits is right. A longer run of digits (more than 12, or
touching other digits) is not a personnummer: account numbers and long ids stay usable.

Vectorised: one regex scan proves most columns clean; only the cells that have a candidate's shape
are split into digit runs and checked digit by digit.

>>> import polars as pl
>>> texts = ["19121212-1212", "PNR19121212-1212", "121212 1212", "P-000123", "19121212-1213"]
>>> pl.select(contains_personnummer(pl.lit(pl.Series(texts)))).to_series().to_list()
[True, True, True, False, False]
"""

from __future__ import annotations

import datetime as dt

import polars as pl

SEPARATORS = "-+\u2010\u2011\u2012\u2013\u2014\u2212 \u00a0\u2009\u202f"
"""What may stand between the date and the last four digits."""

_SEP = "[-+\u2010-\u2014\u2212 \u00a0\u2009\u202f]"
SHAPE = rf"(?:^|[^0-9])[0-9]{{6}}(?:[0-9]{{2}})?{_SEP}?[0-9]{{4}}(?:[^0-9]|$)"
"""A personnummer's shape, delimited by non-digits: the cheap test before the check digit."""

_TOKENS = r"[0-9]+|[^0-9]+"


def has_shape(text: pl.Expr) -> pl.Expr:
    """True where the text holds something shaped like a personnummer (check digit not tested)."""
    return text.str.contains(SHAPE).fill_null(False)


def contains_personnummer(text: pl.Expr) -> pl.Expr:
    """True where a personnummer (or samordningsnummer) with a valid check digit is in the text.

    An expression for small inputs and tests; :func:`personnummer_rows` is the fast form for a
    whole column (it splits only the cells of the right shape).
    """
    return _normalised(text).is_not_null()


def normalised_personnummer(text: pl.Expr, today: dt.date | None = None) -> pl.Expr:
    """The first personnummer in the text as 12 digits (``YYYYMMDDNNNC``), else null.

    A 10-digit number gets its century the way Skatteverket writes it: ``+`` before the last four
    digits means 100 years or older, anything else younger, counted on ``today``. So
    ``121212-1212`` is ``201212121212`` in 2026 and ``121212+1212`` is ``191212121212``; two
    people born a century apart never share a number.
    """
    return _normalised(text, today or dt.date.today())


def _normalised(text: pl.Expr, today: dt.date | None = None) -> pl.Expr:
    tokens = text.str.extract_all(_TOKENS)
    token = pl.element()
    # Within each cell's list of alternating digit and non-digit runs, a personnummer is one run
    # of 10 or 12 digits, or a run of 6 or 8 digits, one separator and a run of 4.
    digits = token.str.contains("^[0-9]")
    length = token.str.len_chars()
    next_token, after_next = token.shift(-1), token.shift(-2)
    pair = (
        digits
        & length.is_in([6, 8])
        & (next_token.str.len_chars() == 1)
        & next_token.str.contains(f"^{_SEP}$")
        & after_next.str.contains("^[0-9]{4}$")
    )
    single = digits & length.is_in([10, 12])
    candidate = (
        pl.when(pair)
        .then(pl.concat_str(token, next_token, after_next))
        .when(single)
        .then(token)
        .otherwise(None)
    )
    found = tokens.list.eval(candidate.filter(_valid(candidate)).first())
    return _century(found.list.first(), today)


def _valid(candidate: pl.Expr) -> pl.Expr:
    """The digits (separator included) form a date and a valid Luhn check digit."""
    digits = candidate.str.replace_all("[^0-9]", "")
    ten = digits.str.slice(-10)
    luhn = pl.sum_horizontal(
        [_luhn_term(ten.str.slice(i, 1).cast(pl.Int32, strict=False), i) for i in range(10)]
    )
    month = ten.str.slice(2, 2).cast(pl.Int32, strict=False)
    day = ten.str.slice(4, 2).cast(pl.Int32, strict=False)
    date = month.is_between(1, 12) & (day.is_between(1, 31) | day.is_between(61, 91))
    return candidate.is_not_null() & date.fill_null(False) & (luhn % 10 == 0).fill_null(False)


def _century(candidate: pl.Expr, today: dt.date | None) -> pl.Expr:
    """Candidates (digits with their separator, if any) as 12 digits."""
    digits = candidate.str.replace_all("[^0-9]", "")
    if today is None:
        return digits  # only whether there is one matters
    year = today.year
    yy = digits.str.slice(0, 2).cast(pl.Int32, strict=False)
    # The most recent year ending in yy, no later than this year: the holder is under 100.
    under_100 = pl.when(yy <= year % 100).then(year - year % 100 + yy).otherwise(year - year % 100 - 100 + yy)
    born = pl.when(candidate.str.contains(r"\+")).then(under_100 - 100).otherwise(under_100)
    return (
        pl.when(digits.str.len_chars() == 12)
        .then(digits)
        .otherwise(pl.concat_str(born.cast(pl.String).str.zfill(4), digits.str.slice(2)))
    )


def personnummer_rows(frame: pl.DataFrame, column: str) -> pl.Series:
    """Row positions in ``frame`` whose ``column`` holds a personnummer anywhere in its text.

    One regex scan over the column finds the cells of the right shape (in pseudonymised data,
    none); only those are split into digit runs and checked.
    """
    text = pl.col(column).cast(pl.String)
    candidates = frame.select(has_shape(text).arg_true()).to_series()
    if candidates.len() == 0:
        return candidates
    subset = frame.select(text).to_series().gather(candidates).to_frame(column)
    hits = subset.select(contains_personnummer(pl.col(column))).to_series()
    return candidates.filter(hits)


def _luhn_term(digit: pl.Expr, position: int) -> pl.Expr:
    if position % 2:
        return digit
    doubled = digit * 2
    return pl.when(doubled > 9).then(doubled - 9).otherwise(doubled)
