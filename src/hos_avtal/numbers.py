"""Numbers typed by a person (a sweep's ``2.0:4.0:0.5``, a ``-p name=value``, a request's value),
bounded before anything converts them.

``Decimal("1e10000000")`` is cheap to make, but ``int()`` of it builds an integer of ten million
digits, and ``Decimal("sNaN")`` raises on every comparison. So a number is first matched against
one short pattern — an optional minus, at most 12 digits, optionally a point and at most 8 more;
no exponent, no infinity, no NaN — and only then converted. A hostile value costs microseconds
and gets a clear reason.

>>> parse_number("7"), parse_number("2.50"), parse_number("-0.5")
(7, Decimal('2.50'), Decimal('-0.5'))
>>> parse_number("1e10000000")
Traceback (most recent call last):
...
ValueError: not a number: write digits with at most one point, such as 7 or 2.5
"""

from __future__ import annotations

import re
from decimal import Decimal

MAX_TEXT = 24
_NUMBER = re.compile(r"-?[0-9]{1,12}(?:\.[0-9]{1,8})?")


def is_number(text: str) -> bool:
    """Whether :func:`parse_number` accepts ``text``."""
    return len(text) <= MAX_TEXT and _NUMBER.fullmatch(text.strip()) is not None


def parse_number(text: str) -> int | Decimal:
    """A whole number as ``int``, one with a point as an exact ``Decimal``; ``ValueError`` else."""
    if not is_number(text):
        raise ValueError("not a number: write digits with at most one point, such as 7 or 2.5")
    cleaned = text.strip()
    return Decimal(cleaned) if "." in cleaned else int(cleaned)
