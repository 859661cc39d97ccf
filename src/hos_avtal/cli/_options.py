"""Option parsers shared by several commands; each turns bad text into a clear message."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hos_avtal._types import Month
from hos_avtal.months import parse_month

if TYPE_CHECKING:
    from hos_avtal.storage import Actor

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help=(
            "Databas-URL (postgresql+psycopg://…, sqlite:///…) eller sökväg till en SQLite-fil: "
            "dess körningar och de regelverk, belopp och timpriser som registrerats i den. Standard: "
            "$HOS_AVTAL_DATABASE_URL, annars hos_avtal.sqlite i aktuell mapp."
        ),
        show_default=False,
    ),
]


RulesetOption = Annotated[
    str | None,
    typer.Option(
        "--ruleset",
        "-r",
        help=(
            "Regelverkets id (vgr-2023, vgr-2018, lag-2017-612 eller ett som registrerats med "
            "'hos-avtal rulesets add') eller en regelverksfil (.toml). Standard: det VGR-avtal som "
            "gäller för respektive månad, medföljande eller registrerat."
        ),
    ),
]
DailyAmountOption = Annotated[
    str | None,
    typer.Option(
        "--daily-amount",
        help=(
            "Fastställt belopp i kronor per vårddygn, för ett år som hos_avtal saknar verifierat "
            "belopp för. Bättre: registrera det en gång med 'hos-avtal amounts set YEAR SEK'."
        ),
    ),
]


@contextmanager
def registered_rules(db: str | None) -> Iterator[None]:
    """Run a calculation with the rules registered in ``db`` as well as the shipped ones; a
    SQLite file that does not exist counts as empty and is not created."""
    from hos_avtal.rules import Registry, using_registry
    from hos_avtal.storage import missing_database_file

    if missing_database_file(db):  # nothing registered: SQLAlchemy is not even imported
        registry = Registry()
    else:
        from hos_avtal.storage import read_registry

        registry = read_registry(db)
    with using_registry(registry):
        yield


def date_option(value: str, option: str) -> dt.date:
    """A date as ``YYYY-MM-DD`` exactly (``20240301`` and ``2024-13-01`` are messages, not dates)."""
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("skriv datumet ÅÅÅÅ-MM-DD, t.ex. 2024-03-18", param_hint=option) from None


def actor(by: str | None) -> Actor:
    """Who changes the rules registry: ``--by``, else the operating-system user, checked as a label."""
    from hos_avtal.privacy import check_label
    from hos_avtal.runs import current_user
    from hos_avtal.storage import Actor

    return Actor(check_label(by or current_user(), "--by", max_length=100))


def month_option(value: str | None) -> Month | None:
    if value is None:
        return None
    try:
        return parse_month(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def months_option(value: str | None) -> list[Month] | None:
    """``--months FROM..TO`` (both included) or one month."""
    from hos_avtal.months import month_range

    if value is None:
        return None
    try:
        return month_range(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--months") from None


def amount_option(value: str | None) -> Decimal | None:
    """Kronor as a person types them (:func:`hos_avtal.money.parse_sek`): ``9300``, ``9 300``,
    ``9300,00``; ``9,300`` and ``9.300`` are refused as ambiguous, never read as 9.30 kr. The
    plausible range is checked where the amount is used (the plausibility limits)."""
    from hos_avtal.money import parse_sek

    if value is None:
        return None
    try:
        ore = parse_sek(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if ore <= 0:
        raise typer.BadParameter("måste vara ett positivt belopp i kronor")
    return Decimal(ore) / 100


def ensure_folder(path: Path) -> Path:
    """Create ``path`` (and its parents) as a folder; a file in the way, or a folder that cannot
    be made, is a message naming the path instead of a traceback."""
    from hos_avtal.errors import HosAvtalError

    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise HosAvtalError(f"{path}: är en fil, inte en mapp; ange en mapp att skriva till") from None
    except OSError as exc:
        raise HosAvtalError(f"{path}: kan inte skapas som mapp ({exc.strerror})") from None
    return path


class Accept(StrEnum):
    """``--accept``: a value outside the plausibility limits that the user has checked."""

    long_wait = "long-wait"


AcceptOption = Annotated[
    list[Accept] | None,
    typer.Option(
        "--accept",
        help=(
            "Kvittera ett möjligt men osannolikt värde när du har kontrollerat det: long-wait (en "
            "väntetid från utskrivningsklar till utskrivning som är längre än rimlighetsgränsen, "
            "365 dagar). En faktureringskörning sparar vad som kvitterats och visar det på sitt "
            "fakturaunderlag."
        ),
        show_default=False,
    ),
]


def accepted(values: list[Accept] | None) -> tuple[str, ...]:
    """The acknowledgements as the core names them (``long_wait``)."""
    return tuple(sorted({value.name for value in values or ()}))


class OutputFormat(StrEnum):
    """``--format`` of the calculation commands: a table for people, JSON or CSV for systems."""

    table = "table"
    json = "json"
    csv = "csv"


def format_flag(help: str) -> Any:
    """``--format``/``-f`` of a command, with what each format holds there:
    ``Annotated[OutputFormat, format_flag("…")]``."""
    return typer.Option("--format", "-f", help=help)


FormatOption = Annotated[
    OutputFormat,
    format_flag(
        "table (svensk tabell) att läsa; json (det dokumenterade kontraktet) eller csv för andra system."
    ),
]


def print_json(payload: Any) -> None:
    """Write JSON to standard output: indented for a person at a terminal, compact for a pipe.

    Compact output uses the C encoder, roughly ten times faster on a large contract.
    """
    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=indent) + "\n")
