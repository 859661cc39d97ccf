"""Episodes (vårdtillfällen) of discharge-ready inpatients: the betalningsansvar input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from pathlib import Path

import numpy as np
import polars as pl

from hos_avtal._types import CARE_TYPES
from hos_avtal.io._table import (
    Column,
    Table,
    date_problems,
    problems_to_error,
    read_table,
    type_columns,
)
from hos_avtal.municipalities import all_municipalities
from hos_avtal.privacy import CANDIDATE, CONTROL

EPISODE_COLUMNS: tuple[Column, ...] = (
    Column("episode_id"),
    Column("person_id"),
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
"""The docs/rules.md §4 episode columns. ``sip_invited`` may be empty where no SIP is needed."""

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


def read_episodes(
    path: str | Path, *, accept: Collection[str] = (), months: Collection[dt.date] | None = None
) -> pl.DataFrame:
    """Read and validate an episode file (CSV or Parquet) into a typed frame.

    Raises :class:`~hos_avtal.errors.InputError` listing every bad row; nothing is dropped.
    Dates outside the plausibility limits are bad rows; so is a wait longer than the limits'
    ``max_wait_days``, unless ``accept`` holds ``"long_wait"`` (the user has checked it); with
    ``months``, only a long wait discharged in one of those months (the months computed).

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
    return _validate(read_table(path, EPISODE_COLUMNS), accept, months)


def validate_episodes(
    frame: pl.DataFrame,
    source: str = "episodes",
    *,
    accept: Collection[str] = (),
    months: Collection[dt.date] | None = None,
) -> pl.DataFrame:
    """Validate an in-memory frame (from the API, a test or a notebook) like a file."""
    return _validate(Table(frame, source, first_row=1), accept, months)


def validate_episode_table(
    table: Table, accept: Collection[str] = (), months: Collection[dt.date] | None = None
) -> pl.DataFrame:
    """Validate a table as read (:func:`~hos_avtal.io.read_table`), after its ids were
    pseudonymised: the messages keep the file's own row numbers."""
    return _validate(table, accept, months)


def _validate(
    table: Table, accept: Collection[str] = (), months: Collection[dt.date] | None = None
) -> pl.DataFrame:
    """``months``: only a long wait discharged in one of these months needs acknowledging (a
    billing run's month); ``None``: any long wait does."""
    long_wait = _long_wait(months) if "long_wait" not in accept else pl.lit(False)
    clean = _proven_clean(table, long_wait)
    if clean is not None:
        return clean
    return _validate_cell_by_cell(table, long_wait)


def wait_days() -> pl.Expr:
    """Days from ready to discharge (null while admitted)."""
    return (pl.col("discharge_date") - pl.col("ready_date")).dt.total_days()


def _long_wait(months: Collection[dt.date] | None) -> pl.Expr:
    """True for an episode whose wait exceeds the plausibility limit: discharged in ``months``
    (any month when ``None``), or still admitted at the end of the last of them."""
    limit, reference = _wait_reference(months)
    discharged = (wait_days() > limit).fill_null(False)
    if months is not None:
        billed = pl.col("discharge_date").dt.month_start().is_in([m.replace(day=1) for m in months])
        discharged = discharged & billed
    still_admitted = pl.col("discharge_date").is_null() & (
        (reference - pl.col("ready_date")).dt.total_days() > limit
    )
    return discharged | still_admitted.fill_null(False)


def _wait_reference(months: Collection[dt.date] | None) -> tuple[int, pl.Expr]:
    """The plausible wait, and the day a still admitted patient's wait is counted to: the end of
    the last month computed, or without months the file's last discharge (an extract is at least
    that recent; today would make every patient still admitted in an old extract a long wait)."""
    from hos_avtal.months import month_end
    from hos_avtal.rules import plausibility_limits

    limits = plausibility_limits()
    if months:
        return limits.max_wait_days, pl.lit(min(month_end(max(months).replace(day=1)), limits.today))
    return limits.max_wait_days, pl.col("discharge_date").max()


def long_waits(frame: pl.DataFrame, months: Collection[dt.date] | None = None) -> pl.DataFrame:
    """``episode_id, kommun, days`` of the episodes :func:`read_episodes` would refuse as long
    waits (discharged in ``months``, or still admitted at their end): what ``accept=["long_wait"]``
    acknowledged. ``days`` is the wait, counted to the end of the last month for one still
    admitted."""
    _limit, reference = _wait_reference(months)
    open_wait = (reference - pl.col("ready_date")).dt.total_days()
    days = pl.when(pl.col("discharge_date").is_null()).then(open_wait).otherwise(wait_days())
    return frame.filter(_long_wait(months)).select(
        "episode_id", pl.col("kommun").cast(pl.String), days.alias("days")
    )


def _proven_clean(table: Table, long_wait: pl.Expr | None = None) -> pl.DataFrame | None:
    """The typed frame, if one parallel pass proves a natively typed input clean; else ``None``.

    Files from systems (Parquet with real dates and booleans) are nearly always clean, so this
    pass answers one question per check over whole columns — any null? any unknown code? any id
    twice? — instead of typing every cell. Any doubt sends the input to the cell-by-cell path,
    which words every problem; the result is the same frame either way.
    """
    from hos_avtal.rules import plausibility_limits

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
    limits = plausibility_limits()
    ready, discharge = pl.col("ready_date"), pl.col("discharge_date")
    early = (ready.min() < limits.earliest_date) | (discharge.min() < limits.earliest_date).fill_null(False)
    late = (ready.max() > limits.today) | (discharge.max() > limits.today).fill_null(False)
    checks = typed.select(
        early.alias("early"),
        late.alias("late"),
        (_long_wait(None) if long_wait is None else long_wait).any().alias("long"),
        pl.sum_horizontal(pl.col(required).null_count()).alias("nulls"),
        *[_untidy(pl.col(name)).alias(f"untidy_{name}") for name in _TEXT],
        # One regex scan per column for both: a control character, or what could be a personnummer.
        *[pl.col(name).str.contains(_DOUBT).any().alias(f"doubt_{name}") for name in _TEXT],
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


_TEXT = ("episode_id", "person_id", "hospital")


_DOUBT = f"{CONTROL}|{CANDIDATE}"


def _untidy(text: pl.Expr) -> pl.Expr:
    """Any cell empty or with surrounding white space."""
    length = text.str.len_bytes()
    return ((length == 0) | (text.str.strip_chars().str.len_bytes() != length)).any()


def _hash_clash(ids: pl.Series) -> bool:
    """Whether two ids have the same hash: always true when two ids are equal.

    Distinct hashes prove the ids unique; sorting the u64 hashes is several times faster than
    counting the strings (or even the hashes) in a hash table. A clash goes to the exact check.
    """
    hashes = np.sort(ids.hash().to_numpy())
    return bool((hashes[1:] == hashes[:-1]).any())


def _validate_cell_by_cell(table: Table, long_wait: pl.Expr | None = None) -> pl.DataFrame:
    from hos_avtal.rules import plausibility_limits

    typed, problems = type_columns(table, EPISODE_COLUMNS)
    problems += date_problems(typed, EPISODE_COLUMNS, events=("ready_date", "discharge_date"))
    limit = plausibility_limits().max_wait_days
    row = pl.col("__row").cast(pl.Int64).alias("row")
    checks = typed.select(
        row,
        (
            pl.col("discharge_date").is_not_null()
            & pl.col("ready_date").is_not_null()
            & (pl.col("discharge_date") < pl.col("ready_date"))
        ).alias("discharge_date"),
        (pl.col("sip_needed").fill_null(False) & pl.col("sip_invited").is_null()).alias("sip_invited"),
        (_long_wait(None) if long_wait is None else long_wait).alias("long_wait"),
    )
    reasons = {
        "discharge_date": "är före ready_date",
        "sip_invited": "tom, men sip_needed är ja; ange om öppenvården kallade till SIP",
        "long_wait": (
            f"är mer än {limit} dagar efter ready_date (eller tom, och ready_date mer än {limit} "
            "dagar sedan), längre än en väntan rimligen varar (rimlighetsgränserna); stämmer "
            'datumen, kvittera det: --accept long-wait på kommandoraden, "accept": ["long_wait"] '
            "i ett anrop"
        ),
    }
    for column, reason in reasons.items():
        bad = checks.filter(pl.col(column))
        if bad.height:
            where = "discharge_date" if column == "long_wait" else column
            problems.append(bad.select("row", pl.lit(where).alias("column"), pl.lit(reason).alias("reason")))
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
            pl.lit("episode_id finns redan; samma id står på rad "), pl.col("first").cast(pl.String)
        ).alias("reason"),
    )
