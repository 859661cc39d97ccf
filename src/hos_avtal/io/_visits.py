"""Home-care visits during a temporary stay, and municipalities' own tariffs (docs/rules.md §6).

Both readers follow the episode reader: the cells are typed by :func:`type_columns`, the rules
that span columns (home equal to host, a host that is not a party, a duplicate id) are whole-column
expressions, and every problem is reported with its file, row and column before anything is
computed. A personnummer in an id column is refused and never echoed.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from hos_avtal.io._table import (
    PROBLEM_SCHEMA,
    Column,
    Table,
    date_problems,
    problems_to_error,
    read_table,
    type_columns,
)
from hos_avtal.municipalities import all_municipalities, parties

SERVICES = ("hemtjanst", "hemsjukvard")

VISIT_COLUMNS: tuple[Column, ...] = (
    Column("visit_id"),
    Column("person_id"),
    Column("home_kommun", "kommun"),
    Column("host_kommun", "kommun"),
    Column("date", "date"),
    Column("service", "choice", choices=SERVICES),
    Column("minutes", "int"),
)
"""The docs/rules.md §6 visit columns: every one required and non-empty."""

TARIFF_COLUMNS: tuple[Column, ...] = (
    Column("kommun", "kommun"),
    Column("year", "int"),
    Column("service", "choice", choices=SERVICES),
    Column("sek_per_hour", "money"),
)
"""A municipality's own tariffs ("för egen del besluta"): one row per kommun, year and service."""

VISIT_SCHEMA: dict[str, pl.DataType] = {
    "visit_id": pl.String(),
    "person_id": pl.String(),
    "home_kommun": pl.String(),
    "host_kommun": pl.String(),
    "date": pl.Date(),
    "service": pl.String(),
    "minutes": pl.Int64(),
}

TARIFF_SCHEMA: dict[str, pl.DataType] = {
    "kommun": pl.String(),
    "year": pl.Int64(),
    "service": pl.String(),
    "tariff_ore": pl.Int64(),
    "source": pl.String(),
}


def _party_codes() -> list[str]:
    return [m.code for m in parties()]


def _all_codes() -> list[str]:
    """Every Swedish code: a party check on an invalid code would only repeat its own problem."""
    return [m.code for m in all_municipalities()]


def read_visits(path: str | Path) -> pl.DataFrame:
    """Read and validate a visit file (CSV or Parquet) into a typed frame.

    Raises :class:`~hos_avtal.errors.InputError` listing every bad row; nothing is dropped.

    >>> import tempfile, pathlib
    >>> csv = pathlib.Path(tempfile.mkdtemp()) / "v.csv"
    >>> _ = csv.write_text(
    ...     "visit_id;person_id;home_kommun;host_kommun;date;service;minutes\\n"
    ...     "v1;p1;1480;1486;2022-07-04;hemsjukvard;90\\n"
    ... )
    >>> read_visits(csv).row(0)
    ('v1', 'p1', '1480', '1486', datetime.date(2022, 7, 4), 'hemsjukvard', 90)
    """
    return _validate_visits(read_table(path, VISIT_COLUMNS))


def validate_visits(frame: pl.DataFrame, source: str = "visits") -> pl.DataFrame:
    """Validate an in-memory visit frame (from the API, a test or a notebook) like a file."""
    return _validate_visits(Table(frame, source, first_row=1))


def read_tariffs(path: str | Path) -> pl.DataFrame:
    """Read and validate a tariff file: ``kommun, year, service, sek_per_hour``.

    Returns ``kommun, year, service, tariff_ore, source``; ``source`` names the file and row, so
    a report can say where each tariff came from.

    >>> import tempfile, pathlib
    >>> csv = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = csv.write_text("kommun,year,service,sek_per_hour\\n1486,2022,hemtjanst,455.50\\n")
    >>> read_tariffs(csv).select("kommun", "year", "service", "tariff_ore").row(0)
    ('1486', 2022, 'hemtjanst', 45550)
    """
    return _validate_tariffs(read_table(path, TARIFF_COLUMNS))


def validate_tariffs(frame: pl.DataFrame, source: str = "tariffs") -> pl.DataFrame:
    """Validate an in-memory tariff frame like a file."""
    return _validate_tariffs(Table(frame, source, first_row=1))


def _swedish_services(table: Table) -> Table:
    """Accept the services as Swedish spreadsheets spell them (``Hemtjänst``, ``hemsjukvård``).

    Only those two exact words are mapped; anything else is left for the choice check to word.
    """
    frame = table.frame
    if "service" not in frame.columns or frame.schema["service"] != pl.String:
        return table
    distinct = frame.get_column("service").unique().drop_nulls().str.strip_chars().str.to_lowercase()
    if not distinct.is_in(["hemtjänst", "hemsjukvård"]).any():
        return table  # the usual case for a system's export: nothing to rewrite
    word = pl.col("service").str.strip_chars().str.to_lowercase()
    spelled = (
        pl.when(word == "hemtjänst")
        .then(pl.lit("hemtjanst"))
        .when(word == "hemsjukvård")
        .then(pl.lit("hemsjukvard"))
        .otherwise(pl.col("service"))
    )
    return table.with_frame(frame.with_columns(spelled.alias("service")))


def _flagged(typed: pl.DataFrame, mask: pl.Expr, column: str, reason: pl.Expr | str) -> pl.DataFrame:
    """Problem rows where ``mask`` holds (null counts as fine: the cell's own check reported it)."""
    message = pl.lit(reason) if isinstance(reason, str) else reason
    return typed.filter(mask.fill_null(False)).select(
        pl.col("__row").cast(pl.Int64).alias("row"),
        pl.lit(column).alias("column"),
        message.cast(pl.String).alias("reason"),
    )


def _duplicates(typed: pl.DataFrame, keys: list[str], column: str, what: str) -> pl.DataFrame:
    """Rows whose ``keys`` repeat an earlier row's, naming that first row."""
    present = pl.all_horizontal([pl.col(k).is_not_null() for k in keys])
    # Equal keys have equal hashes, so as many distinct hashes as rows proves the keys unique;
    # counting u64 hashes is several times faster than comparing strings. A clash (or a real
    # duplicate) falls through to the exact check.
    key = pl.col(keys[0]) if len(keys) == 1 else pl.struct(keys)
    unique_hashes = typed.select(key.hash().n_unique()).item()
    if unique_hashes == typed.height:
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    if typed.select(pl.struct(keys).is_duplicated().any()).item() is not True:
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    first = pl.col("__row").min().over(keys)
    return _flagged(
        typed.with_columns(first.alias("__first")),
        present & (pl.col("__row") != pl.col("__first")),
        column,
        pl.concat_str(
            pl.lit(f"{what} finns redan; först angiven på rad "), pl.col("__first").cast(pl.String)
        ),
    )


def _validate_visits(table: Table) -> pl.DataFrame:
    from hos_avtal.rules import plausibility_limits

    # The limit on minutes keeps a typo such as 90000 from becoming an invoice, and keeps
    # minutes × öre far from Int64 overflow.
    most = plausibility_limits().visit_max_minutes
    typed, problems = type_columns(_swedish_services(table), VISIT_COLUMNS)
    problems += date_problems(typed, VISIT_COLUMNS, events=("date",))
    party_codes, all_codes = _party_codes(), _all_codes()
    problems += [
        _flagged(
            typed,
            ~pl.col("host_kommun").is_in(party_codes) & pl.col("host_kommun").is_in(all_codes),
            "host_kommun",
            "är en kommunkod men inte någon av de 49 parterna; bara en part fakturerar enligt avtalet "
            "(vistelsekommunen är den kommun som utförde insatsen)",
        ),
        _flagged(
            typed,
            pl.col("home_kommun") == pl.col("host_kommun"),
            "host_kommun",
            "är lika med home_kommun; insatser i personens egen kommun faktureras ingen",
        ),
        _flagged(typed, pl.col("minutes") <= 0, "minutes", "måste vara mer än 0"),
        _flagged(
            typed,
            pl.col("minutes") > most,
            "minutes",
            f"är mer än {most} minuter, längre än ett besök rimligen varar (rimlighetsgränserna)",
        ),
    ]
    problems.append(_duplicates(typed, ["visit_id"], "visit_id", "visit_id"))
    error = problems_to_error(table.source, problems)
    if error is not None:
        raise error
    return typed.drop("__row").cast(VISIT_SCHEMA)  # type: ignore[arg-type]


def _validate_tariffs(table: Table) -> pl.DataFrame:
    from hos_avtal.rules import plausibility_limits

    limits = plausibility_limits()
    first_year, last_year = limits.earliest_year, limits.today.year + 1
    low, high = limits.tariff_min_ore, limits.tariff_max_ore
    typed, problems = type_columns(_swedish_services(table), TARIFF_COLUMNS)
    problems += [
        _flagged(
            typed,
            ~pl.col("kommun").is_in(_party_codes()) & pl.col("kommun").is_in(_all_codes()),
            "kommun",
            "är en kommunkod men inte någon av de 49 parterna; bara en parts egen taxa gäller",
        ),
        _flagged(
            typed,
            ~pl.col("year").is_between(first_year, last_year),
            "year",
            f"är inget år från {first_year} till {last_year} (en taxa beslutas högst ett år i förväg)",
        ),
        _flagged(
            typed,
            ~pl.col("sek_per_hour").is_between(low, high),
            "sek_per_hour",
            f"är {limits.tariff_reason()}",
        ),
    ]
    problems.append(_duplicates(typed, ["kommun", "year", "service"], "service", "kommun, year och service"))
    error = problems_to_error(table.source, problems)
    if error is not None:
        raise error
    return typed.select(
        "kommun",
        "year",
        "service",
        pl.col("sek_per_hour").alias("tariff_ore"),
        pl.concat_str(
            pl.lit(f"the municipality's own tariff ({table.source}, row "),
            pl.col("__row").cast(pl.String),
            pl.lit(")"),
        ).alias("source"),
    ).cast(TARIFF_SCHEMA)  # type: ignore[arg-type]
