"""The one personnummer detector: a Swedish personnummer or samordningsnummer anywhere in a text.

Every reader, the billing run's pseudonymiser and the tests use it, so "holds a personnummer"
means the same everywhere. It finds a number in any shape people and systems write one:

* 12 or 10 digits, with or without up to three separator characters before the last four: ``-``
  or ``+`` (the holder is 100 or older), another dash, a space, ``/``, ``.``, ``_`` or ``:``;
* the date written with separators too, the same one each time: ``1912-12-12-1212``,
  ``12.12.12-1212``, ``19 12 12 12 1212``;
* inside other text: ``PNR19121212-1212``, ``pnr: 121212-1212``, ``avd 4 19121212 1212``;
* in other scripts' digits, full-width forms, or with invisible characters inside (a zero-width
  space, a soft hyphen, a right-to-left mark): the text is read in Unicode's compatibility form
  (NFKC), without format characters, with every decimal digit as its ASCII digit;
* a samordningsnummer (the day of birth plus 60).

A candidate counts when its digits form a plausible date (month 01–12, day 01–31 or 61–91) and
the Luhn check digit of its last ten digits is right. A longer run of digits (more than 12, or
touching other digits) is not a personnummer: account numbers and long ids stay usable.

Fast where it matters: one regex scan of a column finds the cells that could hold one (a
personnummer's shape in ASCII, or any character outside ASCII other than a letter); in
pseudonymised data there are none. Only those few cells are read exactly, one by one, with
Python's ``re`` (which can look around a match) and ``unicodedata``.

>>> import polars as pl

from hos_avtal import months
>>> ids = ["19121212-1212", "PNR１９１２１２１２-１２１２", "P-000123", "19121212-1213"]
>>> frame = pl.DataFrame({"id": ids})
>>> personnummer_rows(frame, "id").to_list()
[0, 1]
>>> normalised("121212+1212", today=dt.date(2026, 12, 2))
'191212121212'
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import unicodedata
from functools import cache

import polars as pl

from hos_avtal import months

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
SEPARATORS = f"-+{_DASHES} /._:\u00a0\u2009\u202f"
"""What may stand between the date and the last four digits (up to three of them)."""

_SEP = "[-+\u2010-\u2015\u2212 /._:\u00a0\u2009\u202f]"
_DATE_SEP = "[-./ ]"
_COMPACT = "(?:[0-9]{2})?[0-9]{6}"
_SPACED = f"(?:[0-9]{{2}}{_DATE_SEP}?)?[0-9]{{2}}{_DATE_SEP}[0-9]{{2}}{_DATE_SEP}[0-9]{{2}}"
SHAPE = f"(?:^|[^0-9])(?:{_COMPACT}|{_SPACED}){_SEP}{{0,3}}[0-9]{{4}}(?:[^0-9]|$)"
"""A personnummer's shape in ASCII, delimited by non-digits (the check digit not tested)."""
UNUSUAL = r"[^\x00-\x7f\p{L}\p{M}]"
"""A character outside ASCII that is not a letter: another script's digit, a dash, a space, an
invisible format character. A cell with one is read exactly, after normalising."""
CANDIDATE = f"{SHAPE}|{UNUSUAL}"

# The exact reading: the same shapes, with look-around instead of consumed boundaries, so that two
# numbers next to each other are both found. A spaced date uses the same separator throughout.
_EXACT = re.compile(
    rf"(?<![0-9])(?:(?P<compact>(?:[0-9]{{2}})?[0-9]{{6}})"
    rf"|(?P<spaced>(?:[0-9]{{2}}(?P<c>{_DATE_SEP})?)?[0-9]{{2}}(?P<d>{_DATE_SEP})[0-9]{{2}}(?P=d)[0-9]{{2}}))"
    rf"(?P<sep>{_SEP}{{0,3}})(?P<serial>[0-9]{{4}})(?![0-9])"
)


def has_shape(text: pl.Expr) -> pl.Expr:
    """True where a cell may hold a personnummer and must be read exactly (see :data:`CANDIDATE`)."""
    return text.str.contains(CANDIDATE).fill_null(False)


@cache
def _digits_table() -> dict[int, str]:
    """Every Unicode decimal digit to its ASCII digit."""
    return {
        code: str(unicodedata.digit(chr(code)))
        for code in range(0x80, sys.maxunicode + 1)
        if unicodedata.category(chr(code)) == "Nd"
    }


def readable(text: str) -> str:
    """``text`` as the detector reads it: NFKC, no format characters, ASCII digits."""
    if text.isascii():
        return text
    folded = unicodedata.normalize("NFKC", text)
    visible = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")
    return visible.translate(_digits_table())


def normalised(text: str, today: dt.date | None = None) -> str | None:
    """The first personnummer in ``text`` as 12 digits (``YYYYMMDDNNNC``), else ``None``.

    A 10-digit number gets its century the way Skatteverket writes it: ``+`` before the last four
    digits means 100 years or older, anything else younger, counted on ``today``. So
    ``121212-1212`` is ``201212121212`` in 2026 and ``121212+1212`` is ``191212121212``; two
    people born a century apart never share a number.
    """
    for match in _EXACT.finditer(readable(text)):
        digits = re.sub("[^0-9]", "", match.group("compact") or match.group("spaced")) + match["serial"]
        if len(digits) not in (10, 12) or not _valid(digits[-10:]):
            continue
        if len(digits) == 12:
            return digits
        year = (today or months.today()).year
        yy = int(digits[:2])
        born = year - year % 100 + yy if yy <= year % 100 else year - year % 100 - 100 + yy
        if "+" in match["sep"]:
            born -= 100
        return f"{born:04d}{digits[2:]}"
    return None


def _valid(ten: str) -> bool:
    month, day = int(ten[2:4]), int(ten[4:6])
    if not (1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91)):
        return False
    total = 0
    for position, ch in enumerate(ten):
        term = int(ch) * (2 if position % 2 == 0 else 1)
        total += term - 9 if term > 9 else term
    return total % 10 == 0


def contains_personnummer(text: pl.Expr) -> pl.Expr:
    """True where the text holds a personnummer (cell by cell: for small inputs and tests;
    :func:`personnummer_rows` is the form for a whole column)."""
    return text.map_elements(lambda v: normalised(v) is not None, return_dtype=pl.Boolean).fill_null(False)


def personnummer_rows(frame: pl.DataFrame, column: str) -> pl.Series:
    """Row positions in ``frame`` whose ``column`` holds a personnummer anywhere in its text."""
    return personnummer_hits(frame, column)[0]


def personnummer_hits(
    frame: pl.DataFrame, column: str, today: dt.date | None = None
) -> tuple[pl.Series, list[str]]:
    """:func:`personnummer_rows`, and each hit's personnummer as 12 digits (:func:`normalised`)."""
    text = pl.col(column).cast(pl.String)
    candidates = frame.select(has_shape(text).arg_true()).to_series()
    values = frame.select(text).to_series().gather(candidates).to_list() if candidates.len() else []
    found = [(i, digits) for i, value in zip(candidates.to_list(), values, strict=True)
             if (digits := normalised(value, today)) is not None]  # fmt: skip
    rows = pl.Series(candidates.name, [i for i, _ in found], dtype=candidates.dtype)
    return rows, [digits for _, digits in found]
