"""Episodes (vårdtillfällen) of discharge-ready inpatients: the betalningsansvar input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from hos_avtal.io._privacy import PERSONNUMMER_PATTERN, personnummer_rows
from hos_avtal.io._table import Column, Table, problems_to_error, read_table, type_columns
from hos_avtal.municipalities import all_municipalities

CARE_TYPES = ("somatik", "psykiatri")

EPISODE_COLUMNS: tuple[Column, ...] = (
    Column("episode_id"),
    Column("person_id", personal=True),
    Column("kommun", "kommun"),
    Column("care_type", "choice", choices=CARE_TYPES),
    Column("hospital", required=False, nullable=True),
    Column("ready_date", "date"),
    Column("discharge_date", "date", nullable=True),
    Column("admission_notice", "bool"),
    Column("ready_notice", "bool"),
    Column("sip_needed", "bool"),
    Column("sip_invited", "bool", nullable=True),
    Column("outpatient_plan", "bool"),
    Column("outpatient_available", "bool"),
)
"""The SPEC §4 episode columns. ``sip_invited`` may be empty where no SIP is needed."""

KOMMUN = pl.Enum([m.code for m in all_municipalities()])
"""Kommun codes as an Enum of every Swedish code: integer keys for grouping, strings outside."""
CARE_TYPE = pl.Enum(CARE_TYPES)

EPISODE_SCHEMA: dict[str, pl.DataType] = {
    "episode_id": pl.String(),
    "person_id": pl.String(),
    "kommun": KOMMUN,
    "care_type": CARE_TYPE,
    "hospital": pl.String(),
    "ready_date": pl.Date(),
    "discharge_date": pl.Date(),
    **{c.name: pl.Boolean() for c in EPISODE_COLUMNS if c.kind == "bool"},
}


def read_episodes(path: str | Path) -> pl.DataFrame:
    """Read and validate an episode file (CSV or Parquet) into a typed frame.

    Raises :class:`~hos_avtal.errors.InputError` listing every bad row; nothing is dropped.

    >>> import tempfile, pathlib
    >>> csv = pathlib.Path(tempfile.mkdtemp()) / "e.csv"
    >>> _ = csv.write_text(
    ...     "episode_id;person_id;kommun;care_type;ready_date;discharge_date;admission_notice;"
    ...     "ready_notice;sip_needed;sip_invited;outpatient_plan;outpatient_available\\n"
    ...     "e1;p1;1480;somatik;2022-03-01;2022-03-04;ja;ja;nej;;ja;ja\\n"
    ... )
    >>> read_episodes(csv).select("kommun", "ready_date", "discharge_date").row(0)
    ('1480', datetime.date(2022, 3, 1), datetime.date(2022, 3, 4))
    """
    return _validate(read_table(path, EPISODE_COLUMNS))


def validate_episodes(frame: pl.DataFrame, source: str = "episodes") -> pl.DataFrame:
    """Validate an in-memory frame (from the API, a test or a notebook) like a file."""
    return _validate(Table(frame, source, first_row=1))


def _validate(table: Table) -> pl.DataFrame:
    clean = _proven_clean(table)
    if clean is not None:
        return clean
    return _validate_cell_by_cell(table)


def _proven_clean(table: Table) -> pl.DataFrame | None:
    """The typed frame, if one parallel pass proves a natively typed input clean; else ``None``.

    Files from systems (Parquet with real dates and booleans) are nearly always clean, so this
    pass answers one question per check over whole columns — any null? any unknown code? any id
    twice? — instead of typing every cell. Any doubt sends the input to the cell-by-cell path,
    which words every problem; the result is the same frame either way.
    """
    frame = table.frame
    expected = {c.name: EPISODE_SCHEMA[c.name] for c in EPISODE_COLUMNS}
    expected.update(kommun=pl.String(), care_type=pl.String())
    if any(name in frame.columns and frame.schema[name] != dtype for name, dtype in expected.items()):
        return None
    if "hospital" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("hospital"))
    # A lenient cast turns an unknown kommun or care type into a null, which the null count
    # catches with the empty cells: no list of distinct codes, and the cast is needed anyway.
    typed = frame.lazy().select(list(EPISODE_SCHEMA)).cast(EPISODE_SCHEMA, strict=False)  # type: ignore[arg-type]
    required = [c.name for c in EPISODE_COLUMNS if not c.nullable]
    checks = typed.select(
        pl.sum_horizontal(pl.col(required).null_count()).alias("nulls"),
        *[_untidy(pl.col(name)).alias(f"untidy_{name}") for name in ("episode_id", "person_id", "hospital")],
        *[
            pl.col(name)
            .filter(_may_be_personnummer(pl.col(name)))
            .str.contains(PERSONNUMMER_PATTERN)
            .any()
            .alias(f"pnr_{name}")
            for name in ("episode_id", "person_id")
        ],
        (pl.col("discharge_date") < pl.col("ready_date")).any().alias("order"),
        (pl.col("sip_needed") & pl.col("sip_invited").is_null()).any().alias("sip"),
    )
    # One call for the frame and its checks: polars casts once for both and shares the
    # subexpressions each check uses twice, and a small input pays one query's fixed cost.
    clean, found = pl.collect_all([typed, checks])
    nulls, *flags = found.row(0)
    if nulls or any(flags) or _hash_clash(clean.get_column("episode_id")):
        return None
    return clean


def _untidy(text: pl.Expr) -> pl.Expr:
    """Any cell empty or with surrounding white space."""
    length = text.str.len_bytes()
    return ((length == 0) | (text.str.strip_chars().str.len_bytes() != length)).any()


def _may_be_personnummer(text: pl.Expr) -> pl.Expr:
    """False where a cell cannot match :data:`PERSONNUMMER_PATTERN`; a cheap test before the regex.

    A match is 10–13 characters, each at most 4 bytes, and starts with a digit: an ASCII one, or
    one of the other scripts' digits that the Unicode ``\\d`` also matches, whose bytes are all
    at or above 0x80. Text compares by its UTF-8 bytes, so two comparisons test the first byte.
    """
    first_is_digit = ((text >= "0") & (text < ":")) | (text >= "\u0080")
    return text.str.len_bytes().is_between(10, 13 * 4) & first_is_digit


def _hash_clash(ids: pl.Series) -> bool:
    """Whether two ids have the same hash: always true when two ids are equal.

    Distinct hashes prove the ids unique; sorting the u64 hashes is several times faster than
    counting the strings (or even the hashes) in a hash table. A clash goes to the exact check.
    """
    hashes = np.sort(ids.hash().to_numpy())
    return bool((hashes[1:] == hashes[:-1]).any())


def _validate_cell_by_cell(table: Table) -> pl.DataFrame:
    typed, problems = type_columns(table, EPISODE_COLUMNS)
    row = pl.col("__row").cast(pl.Int64).alias("row")
    checks = typed.select(
        row,
        (
            pl.col("discharge_date").is_not_null()
            & pl.col("ready_date").is_not_null()
            & (pl.col("discharge_date") < pl.col("ready_date"))
        ).alias("discharge_date"),
        (pl.col("sip_needed").fill_null(False) & pl.col("sip_invited").is_null()).alias("sip_invited"),
    )
    reasons = {
        "discharge_date": "is before ready_date",
        "sip_invited": "empty, but sip_needed is true; say whether öppenvården invited to the SIP",
        "episode_id": "looks like a personnummer; only pseudonymous ids may be used (the value is not shown)",
        "person_id": "looks like a personnummer; only pseudonymous ids may be used (the value is not shown)",
    }
    for column, reason in reasons.items():
        if column in checks.columns:
            bad = checks.filter(pl.col(column))
        else:
            bad = typed.select(pl.col("__row").cast(pl.Int64).alias("row")).gather(
                personnummer_rows(typed, column)
            )
        if bad.height:
            problems.append(bad.select("row", pl.lit(column).alias("column"), pl.lit(reason).alias("reason")))
    problems.append(_duplicate_ids(typed))

    error = problems_to_error(table.source, problems)
    if error is not None:
        raise error
    return typed.drop("__row").cast(EPISODE_SCHEMA)  # type: ignore[arg-type]


def _duplicate_ids(typed: pl.DataFrame) -> pl.DataFrame:
    if not _hash_clash(typed.get_column("episode_id")):
        return pl.DataFrame(schema={"row": pl.Int64, "column": pl.String, "reason": pl.String})
    with_first = typed.select(
        pl.col("__row").cast(pl.Int64).alias("row"),
        pl.col("__row").min().over("episode_id").cast(pl.Int64).alias("first"),
        pl.col("episode_id").is_not_null().alias("present"),
    )
    return with_first.filter(pl.col("present") & (pl.col("row") != pl.col("first"))).select(
        "row",
        pl.lit("episode_id").alias("column"),
        pl.concat_str(
            pl.lit("duplicate episode_id; the same id is on row "), pl.col("first").cast(pl.String)
        ).alias("reason"),
    )
