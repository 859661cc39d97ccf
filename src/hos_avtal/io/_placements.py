"""Placements, their monthly costs and the written cost agreements: the docs/rules.md §5 inputs.

Each file is typed and checked on its own (every bad cell named by file, row and column), then the
three are checked against each other: a cost or an agreement must belong to a known placement, a
cost month must overlap the placement, and two agreements decided on the same day must not claim
the same days. All problems of all three files are reported together, so a clerk fixes them in one
round instead of one file at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from hos_avtal.errors import InputError, PlacementInputError
from hos_avtal.io._table import Column, Table, date_problems, problems_to_error, read_table, type_columns
from hos_avtal.municipalities import all_codes_frame, parties

PARTIES = ("region", "kommun")
METHODS = ("schablon", "percent", "fixed")

PLACEMENT_COLUMNS: tuple[Column, ...] = (
    Column("placement_id"),
    Column("kommun", "kommun"),
    Column("placed_by", "choice", choices=PARTIES),
    Column("start_date", "date"),
    Column("end_date", "date", nullable=True),
    Column("acute", "bool"),
)
"""Placements: ``end_date`` empty means still placed."""

COST_COLUMNS: tuple[Column, ...] = (
    Column("placement_id"),
    Column("month", "month"),
    Column("cost_sek", "money"),
)
"""Monthly placement costs, one row per placement and month."""

AGREEMENT_COLUMNS: tuple[Column, ...] = (
    Column("placement_id"),
    Column("valid_from", "date"),
    Column("valid_to", "date", nullable=True),
    Column("method", "choice", choices=METHODS),
    Column("region_percent", "text", required=False, nullable=True),
    Column("fixed_party", "choice", required=False, nullable=True, choices=PARTIES),
    Column("fixed_sek_per_month", "money", required=False, nullable=True),
    Column("decided_date", "date"),
)
"""Written cost agreements. ``region_percent`` is read as text: it is a percentage with up to two
decimals, held as an integer number of hundredths of a percent (basis points)."""

PLACEMENT_SCHEMA: dict[str, pl.DataType] = {
    "placement_id": pl.String(),
    "kommun": pl.String(),
    "placed_by": pl.String(),
    "start_date": pl.Date(),
    "end_date": pl.Date(),
    "acute": pl.Boolean(),
}
COST_SCHEMA: dict[str, pl.DataType] = {
    "placement_id": pl.String(),
    "month": pl.Date(),
    "cost_ore": pl.Int64(),
}
AGREEMENT_SCHEMA: dict[str, pl.DataType] = {
    "placement_id": pl.String(),
    "valid_from": pl.Date(),
    "valid_to": pl.Date(),
    "method": pl.String(),
    "region_bp": pl.Int64(),
    "fixed_party": pl.String(),
    "fixed_ore": pl.Int64(),
    "decided_date": pl.Date(),
}
"""``region_bp``: the region's percentage in hundredths of a percent (``33.5`` → 3350)."""

_PERCENT = r"^\d{1,3}(?:[.,]\d{1,2})?$"


@dataclass(frozen=True, slots=True)
class PlacementInputs:
    """The three validated inputs, typed as in the ``*_SCHEMA`` dicts (money in integer öre)."""

    placements: pl.DataFrame
    costs: pl.DataFrame
    agreements: pl.DataFrame


def read_placements(path: str | Path) -> pl.DataFrame:
    """Read and validate a placements file on its own (no cross-file checks)."""
    return _raise_or(*_placements(read_table(path, PLACEMENT_COLUMNS)))


def read_costs(path: str | Path) -> pl.DataFrame:
    """Read and validate a monthly costs file on its own (no cross-file checks)."""
    return _raise_or(*_costs(read_table(path, COST_COLUMNS)))


def read_agreements(path: str | Path) -> pl.DataFrame:
    """Read and validate a cost agreements file on its own (no cross-file checks)."""
    return _raise_or(*_agreements(read_table(path, AGREEMENT_COLUMNS)))


def read_placement_inputs(
    placements: str | Path, costs: str | Path, agreements: str | Path
) -> PlacementInputs:
    """Read all three files and check them against each other; one error lists every problem.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "p.csv").write_text(
    ...     "placement_id;kommun;placed_by;start_date;end_date;acute\\nP1;1480;kommun;2024-01-01;;nej\\n")
    >>> _ = (d / "c.csv").write_text("placement_id;month;cost_sek\\nP1;2024-03;100000\\n")
    >>> _ = (d / "a.csv").write_text(
    ...     "placement_id;valid_from;valid_to;method;decided_date\\nP1;2024-01-01;;schablon;2024-01-10\\n")
    >>> inputs = read_placement_inputs(d / "p.csv", d / "c.csv", d / "a.csv")
    >>> inputs.costs.row(0)
    ('P1', datetime.date(2024, 3, 1), 10000000)
    """
    tables = (
        _try_read(placements, PLACEMENT_COLUMNS),
        _try_read(costs, COST_COLUMNS),
        _try_read(agreements, AGREEMENT_COLUMNS),
    )
    return _validate_all(tables)


def validate_placement_inputs(
    placements: pl.DataFrame, costs: pl.DataFrame, agreements: pl.DataFrame
) -> PlacementInputs:
    """Validate in-memory frames (API, tests, notebooks) exactly like files.

    ``costs`` may carry ``cost_sek`` (text, integer kronor or Decimal) and agreements
    ``region_percent``/``fixed_sek_per_month`` as in the files.
    """
    return _validate_all(
        (
            Table(placements, "placements", first_row=1),
            Table(costs, "costs", first_row=1),
            Table(agreements, "agreements", first_row=1),
        )
    )


def _try_read(path: str | Path, columns: Sequence[Column]) -> Table | InputError:
    try:
        return read_table(path, columns)
    except InputError as error:  # a missing file or column: report it with the other files
        return error


def _raise_or(frame: pl.DataFrame, error: InputError | None) -> pl.DataFrame:
    if error is not None:
        raise error
    return frame


def _validate_all(
    tables: tuple[Table | InputError, Table | InputError, Table | InputError],
) -> PlacementInputs:
    errors: list[InputError] = []
    typed: list[pl.DataFrame | None] = []
    extra: list[list[pl.DataFrame]] = [[], [], []]
    checkers = (_placement_problems, _cost_problems, _agreement_problems)
    columns = (PLACEMENT_COLUMNS, COST_COLUMNS, AGREEMENT_COLUMNS)
    for table, checker, cols in zip(tables, checkers, columns, strict=True):
        if isinstance(table, InputError):
            typed.append(None)
            continue
        frame, problems = type_columns(table, cols)
        problems += date_problems(frame, cols, events=("month", "decided_date"))
        problems += checker(frame)
        typed.append(frame)
        extra[len(typed) - 1] = problems
    places, costs, agreements = typed
    if places is not None:
        known = places.filter(pl.col("placement_id").is_not_null())
        if costs is not None:
            extra[1] += _cost_cross_problems(costs, known)
        if agreements is not None:
            extra[2] += _unknown_ids(agreements, known)
    for table, problems in zip(tables, extra, strict=True):
        if isinstance(table, InputError):
            errors.append(table)
            continue
        error = problems_to_error(table.source, problems)
        if error is not None:
            errors.append(error)
    if errors:
        raise errors[0] if len(errors) == 1 else PlacementInputError(errors)
    assert places is not None
    assert costs is not None
    assert agreements is not None
    return PlacementInputs(_finish_placements(places), _finish_costs(costs), _finish_agreements(agreements))


# ---------------------------------------------------------------------------------------------
# One file at a time


def _placements(table: Table) -> tuple[pl.DataFrame, InputError | None]:
    frame, problems = type_columns(table, PLACEMENT_COLUMNS)
    problems += _placement_problems(frame)
    return _finish_placements(frame), problems_to_error(table.source, problems)


def _costs(table: Table) -> tuple[pl.DataFrame, InputError | None]:
    frame, problems = type_columns(table, COST_COLUMNS)
    problems += _cost_problems(frame)
    return _finish_costs(frame), problems_to_error(table.source, problems)


def _agreements(table: Table) -> tuple[pl.DataFrame, InputError | None]:
    frame, problems = type_columns(table, AGREEMENT_COLUMNS)
    problems += _agreement_problems(frame)
    return _finish_agreements(frame), problems_to_error(table.source, problems)


def _rows(frame: pl.DataFrame, condition: pl.Expr, column: str, reason: str | pl.Expr) -> pl.DataFrame:
    """Problem rows where ``condition`` holds (a null condition is not a problem)."""
    message = pl.lit(reason) if isinstance(reason, str) else reason
    return frame.filter(condition.fill_null(False)).select(
        pl.col("__row").cast(pl.Int64).alias("row"), pl.lit(column).alias("column"), message.alias("reason")
    )


def _duplicates(frame: pl.DataFrame, keys: list[str], column: str, what: str) -> pl.DataFrame:
    """Rows whose ``keys`` repeat an earlier row, naming that row."""
    present = pl.all_horizontal([pl.col(k).is_not_null() for k in keys])
    first = pl.col("__row").min().over(keys).cast(pl.Int64)
    marked = frame.filter(present).with_columns(first.alias("__first"))
    return _rows(
        marked,
        pl.col("__row") != pl.col("__first"),
        column,
        pl.concat_str(pl.lit(f"{what} finns redan; samma står på rad "), pl.col("__first").cast(pl.String)),
    )


def _placement_problems(frame: pl.DataFrame) -> list[pl.DataFrame]:
    party_codes = [m.code for m in parties()]
    return [
        _duplicates(frame, ["placement_id"], "placement_id", "placement_id"),
        _rows(
            frame,
            # A code that is no kommun code at all is already reported as such: say it once.
            pl.col("kommun").is_in(all_codes_frame()["kommun"].to_list())
            & ~pl.col("kommun").is_in(party_codes),
            "kommun",
            "är en kommunkod men inte någon av avtalets 49 parter (1401–1499)",
        ),
        _rows(frame, pl.col("end_date") < pl.col("start_date"), "end_date", "är före start_date"),
    ]


def _cost_problems(frame: pl.DataFrame) -> list[pl.DataFrame]:
    from hos_avtal.money import format_sek_sv
    from hos_avtal.rules import plausibility_limits

    most = plausibility_limits().cost_max_ore
    return [
        _rows(frame, pl.col("cost_sek") < 0, "cost_sek", "är negativ; en kostnad är 0 eller mer"),
        _rows(
            frame,
            pl.col("cost_sek") > most,
            "cost_sek",
            f"är mer än {format_sek_sv(most)} kr för en månad, mer än en placering rimligen kostar "
            "(rimlighetsgränserna); är det en felskrivning?",
        ),
        _duplicates(frame, ["placement_id", "month"], "month", "placement_id och month"),
    ]


def _percent_bp(text: pl.Expr) -> pl.Expr:
    """``"33.5"``/``"33,50"`` → 3350 hundredths of a percent; null when not such a number."""
    cleaned = text.str.strip_chars().str.replace(",", ".", literal=True)
    whole = cleaned.str.extract(r"^(\d+)", 1).cast(pl.Int64, strict=False)
    cents = cleaned.str.extract(r"\.(\d{1,2})$", 1).str.pad_end(2, "0").cast(pl.Int64, strict=False)
    return pl.when(cleaned.str.contains(_PERCENT)).then(whole * 100 + cents.fill_null(0))


def _agreement_problems(frame: pl.DataFrame) -> list[pl.DataFrame]:
    from hos_avtal.rules import plausibility_limits

    method = pl.col("method")
    percent_text = pl.col("region_percent").cast(pl.String).str.strip_chars()
    has_percent = percent_text.is_not_null() & (percent_text != "")
    bp = _percent_bp(percent_text)
    is_percent, is_fixed = method == "percent", method == "fixed"
    known = method.is_not_null()
    problems = [
        _rows(frame, pl.col("valid_to") < pl.col("valid_from"), "valid_to", "är före valid_from"),
        _rows(
            frame,
            is_percent & ~has_percent,
            "region_percent",
            "tom; method percent kräver regionens andel i procent",
        ),
        _rows(
            frame,
            has_percent & (bp.is_null() | (bp > 10000)),
            "region_percent",
            "är ingen procentsats från 0 till 100 med högst två decimaler",
        ),
        _rows(
            frame,
            known & ~is_percent & has_percent,
            "region_percent",
            "ska vara tom om inte method är percent",
        ),
        _rows(
            frame,
            is_fixed & pl.col("fixed_party").is_null(),
            "fixed_party",
            "tom; method fixed kräver region eller kommun",
        ),
        _rows(
            frame,
            is_fixed & pl.col("fixed_sek_per_month").is_null(),
            "fixed_sek_per_month",
            "tom; method fixed kräver det fasta beloppet per månad",
        ),
        _rows(
            frame,
            pl.col("fixed_sek_per_month") < 0,
            "fixed_sek_per_month",
            "är negativt; ett belopp är 0 eller mer",
        ),
        _rows(
            frame,
            pl.col("fixed_sek_per_month") > plausibility_limits().cost_max_ore,
            "fixed_sek_per_month",
            "är mer än en placering rimligen kostar på en månad (rimlighetsgränserna); en felskrivning?",
        ),
        _rows(
            frame,
            known & ~is_fixed & pl.col("fixed_party").is_not_null(),
            "fixed_party",
            "ska vara tom om inte method är fixed",
        ),
        _rows(
            frame,
            known & ~is_fixed & pl.col("fixed_sek_per_month").is_not_null(),
            "fixed_sek_per_month",
            "ska vara tom om inte method är fixed",
        ),
    ]
    problems.append(_same_day_overlaps(frame))
    return problems


def _same_day_overlaps(frame: pl.DataFrame) -> pl.DataFrame:
    """Agreements of one placement decided the same day whose validity overlaps: which one counts?"""
    keys = frame.select("__row", "placement_id", "decided_date", "valid_from", "valid_to").drop_nulls(
        ["placement_id", "decided_date", "valid_from"]
    )
    pairs = keys.join(keys, on=["placement_id", "decided_date"], suffix="_other").filter(
        (pl.col("__row") != pl.col("__row_other"))
        & (pl.col("valid_from") <= pl.col("valid_to_other").fill_null(pl.date(9999, 12, 31)))
        & (pl.col("valid_from_other") <= pl.col("valid_to").fill_null(pl.date(9999, 12, 31)))
    )
    first = pairs.group_by("__row").agg(pl.col("__row_other").min().cast(pl.Int64).alias("other"))
    return first.select(
        pl.col("__row").cast(pl.Int64).alias("row"),
        pl.lit("valid_from").alias("column"),
        pl.concat_str(
            pl.lit("överlappar överenskommelsen på rad "),
            pl.col("other").cast(pl.String),
            pl.lit(", beslutad samma dag; den ena måste sluta innan den andra börjar"),
        ).alias("reason"),
    )


# ---------------------------------------------------------------------------------------------
# Across files


def _unknown_ids(frame: pl.DataFrame, placements: pl.DataFrame) -> list[pl.DataFrame]:
    unknown = frame.filter(pl.col("placement_id").is_not_null()).join(
        placements.select("placement_id").unique(), on="placement_id", how="anti"
    )
    return [
        _rows(
            unknown,
            pl.lit(True),
            "placement_id",
            "ingen placering med detta placement_id finns i placements",
        )
    ]


def _cost_cross_problems(costs: pl.DataFrame, placements: pl.DataFrame) -> list[pl.DataFrame]:
    period = placements.select("placement_id", "start_date", "end_date").unique("placement_id", keep="first")
    joined = costs.filter(pl.col("month").is_not_null()).join(period, on="placement_id", how="inner")
    outside = (pl.col("month").dt.month_end() < pl.col("start_date")) | (pl.col("month") > pl.col("end_date"))
    return [
        *_unknown_ids(costs, placements),
        _rows(
            joined,
            outside,
            "month",
            pl.concat_str(
                pl.lit("ligger utanför placeringens period ("),
                pl.col("start_date").dt.to_string("%Y-%m-%d"),
                pl.lit(" – "),
                pl.col("end_date").dt.to_string("%Y-%m-%d").fill_null(pl.lit("pågår")),
                pl.lit(")"),
            ),
        ),
    ]


# ---------------------------------------------------------------------------------------------
# Typed frames


def _finish_placements(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(list(PLACEMENT_SCHEMA)).cast(PLACEMENT_SCHEMA)  # type: ignore[arg-type]


def _finish_costs(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select("placement_id", "month", pl.col("cost_sek").alias("cost_ore")).cast(COST_SCHEMA)  # type: ignore[arg-type]


def _finish_agreements(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        "placement_id",
        "valid_from",
        "valid_to",
        "method",
        _percent_bp(pl.col("region_percent").cast(pl.String)).alias("region_bp"),
        "fixed_party",
        pl.col("fixed_sek_per_month").alias("fixed_ore"),
        "decided_date",
    ).cast(AGREEMENT_SCHEMA)  # type: ignore[arg-type]
