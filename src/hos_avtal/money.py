"""Exact money: integer öre inside, decimal strings at the edges.

Rounding is half up (away from zero for the non-negative amounts billed here) and happens once,
per invoice line (docs/rules.md §4, "Money").

Kronor typed by a person — on the command line, in a spreadsheet cell — are read by one parser,
:func:`parse_sek` (and its vectorised twin :func:`parse_sek_expr`), with one rule:

* whole kronor, optionally grouped in threes by a space: ``9300``, ``9 300``;
* optionally one or two decimals after a comma or a point: ``9300,00``, ``9300.5``, ``9 300,00``;
* a leading ``-`` where a negative amount is meaningful (the callers refuse it elsewhere);
* anything else is refused. In particular ``9,300`` and ``9.300`` are refused as ambiguous:
  a Swedish reader means nine thousand three hundred (a thousands separator), a program means
  nine point three. Guessing either way can bill a thousand times too much or too little.

>>> sek_to_ore("9300")
930000
>>> format_sek(930000)
'9300.00'
>>> divide_round_half_up(1, 3)  # a third of one öre
0
>>> parse_sek("9 300,00"), parse_sek("9300.5")
(930000, 930050)
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import polars as pl

from hos_avtal._types import Ore

_HUNDRED = Decimal(100)

_GROUP = "[ \u00a0\u202f]"
SEK_PATTERN = rf"^(-?)([0-9]{{1,13}}|[0-9]{{1,3}}(?:{_GROUP}[0-9]{{3}}){{1,4}})(?:[.,]([0-9]{{1,2}}))?$"
"""Kronor as a person writes them (see the module docstring); at most 13 digits of kronor."""
_AMBIGUOUS = r"^-?[0-9]{1,3}(?:[.,][0-9]{3})+$"
_SEK = re.compile(SEK_PATTERN)
MAX_TEXT = 32
"""Longer text is refused before any pattern runs: no amount is written that long."""

SEK_HELP = "skriv kronor som 9300, 9 300, 9300,00 eller 9300.00"


def parse_sek(text: str) -> Ore:
    """Kronor written by a person, as integer öre; ``ValueError`` with the reason otherwise.

    >>> parse_sek("9300"), parse_sek("-12,5")
    (930000, -1250)
    >>> parse_sek("9,300")
    Traceback (most recent call last):
    ...
    ValueError: tvetydigt: ett kommatecken eller en punkt före tre siffror kan vara tusentalsavgränsare \
eller decimaler; skriv kronor som 9300, 9 300, 9300,00 eller 9300.00
    """
    cleaned = text.strip()
    if len(cleaned) > MAX_TEXT:
        raise ValueError(f"för långt för ett belopp; {SEK_HELP}")
    match = _SEK.match(cleaned)
    if match is None:
        if re.match(_AMBIGUOUS, cleaned):
            raise ValueError(
                "tvetydigt: ett kommatecken eller en punkt före tre siffror kan vara tusentalsavgränsare "
                f"eller decimaler; {SEK_HELP}"
            )
        raise ValueError(f"inget belopp i kronor; {SEK_HELP}")
    sign, whole, decimals = match.groups()
    ore = int(re.sub(_GROUP, "", whole)) * 100 + int((decimals or "0").ljust(2, "0"))
    return Ore(-ore if sign else ore)


def parse_sek_expr(text: pl.Expr) -> pl.Expr:
    """Vectorised :func:`parse_sek`: text to Int64 öre, null where the text is not such an amount
    (:func:`sek_problem_expr` words why)."""
    cleaned = text.str.strip_chars()
    parts = cleaned.str.extract_groups(SEK_PATTERN)
    whole = parts.struct.field("2").str.replace_all(_GROUP, "").cast(pl.Int64, strict=False)
    cents = parts.struct.field("3").str.pad_end(2, "0").cast(pl.Int64, strict=False).fill_null(0)
    ore = whole * 100 + cents
    valid = cleaned.str.len_chars() <= MAX_TEXT
    return pl.when(valid & whole.is_not_null()).then(
        pl.when(parts.struct.field("1") == "-").then(-ore).otherwise(ore)
    )


def sek_problem_expr(text: pl.Expr) -> pl.Expr:
    """Why :func:`parse_sek_expr` gives null for this (non-empty) text, in the scalar's words."""
    ambiguous = text.str.strip_chars().str.contains(_AMBIGUOUS)
    return (
        pl.when(ambiguous)
        .then(
            pl.lit(
                "är tvetydigt: ett kommatecken eller en punkt före tre siffror kan vara "
                f"tusentalsavgränsare eller decimaler; {SEK_HELP}"
            )
        )
        .otherwise(pl.lit(f"är inget belopp i kronor; {SEK_HELP}"))
    )


def sek_to_ore(value: Decimal | str | int) -> Ore:
    """Convert kronor to öre exactly; more than two decimals is an error, never rounded away.

    Bounded before any arithmetic: text longer than :data:`MAX_TEXT` and numbers of 10¹⁵ kronor
    or more are refused, so ``"1e10000000"`` costs microseconds instead of building an integer
    of ten million digits.
    """
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise ValueError("för långt för ett belopp i kronor")
    if isinstance(value, str) and not value.isascii():  # Decimal("９３００") is 9300
        raise ValueError("inget belopp i kronor; skriv det med siffrorna 0–9")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("inget belopp i kronor") from None
    if not amount.is_finite() or (amount and not -10 <= amount.adjusted() < 15):
        raise ValueError("inget belopp i kronor (för stort, för litet eller inget tal)")
    ore = amount * _HUNDRED
    if ore != ore.to_integral_value():
        raise ValueError("har delar av ett öre")
    return Ore(int(ore))


def ore_to_decimal(ore: int) -> Decimal:
    """Öre as a :class:`~decimal.Decimal` number of kronor with two decimals."""
    return (Decimal(ore) / _HUNDRED).quantize(Decimal("0.01"))


def format_sek(ore: int) -> str:
    """The contract's money format: a decimal string with two decimals, ``"9300.00"``."""
    sign = "-" if ore < 0 else ""
    whole, frac = divmod(abs(ore), 100)
    return f"{sign}{whole}.{frac:02d}"


def format_sek_sv(ore: int) -> str:
    """Swedish display format for people: ``"9 300,00"`` (no-break space grouping)."""
    sign = "-" if ore < 0 else ""
    whole, frac = divmod(abs(ore), 100)
    return f"{sign}{whole:,}".replace(",", "\u00a0") + f",{frac:02d}"


def divide_round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up, in exact integer arithmetic."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    return (2 * numerator + denominator) // (2 * denominator)


def divide_round_half_up_expr(numerator: pl.Expr, denominator: pl.Expr | int) -> pl.Expr:
    """The vectorised twin of :func:`divide_round_half_up` for Int64 columns."""
    den = denominator if isinstance(denominator, pl.Expr) else pl.lit(denominator, pl.Int64)
    return (2 * numerator + den) // (2 * den)


def format_sek_expr(ore: pl.Expr) -> pl.Expr:
    """Vectorised :func:`format_sek`: an Int64 öre column as ``"1234.50"`` strings."""
    absolute = ore.abs()
    return pl.concat_str(
        pl.when(ore < 0).then(pl.lit("-")).otherwise(pl.lit("")),
        (absolute // 100).cast(pl.String),
        pl.lit("."),
        (absolute % 100).cast(pl.String).str.zfill(2),
    )
