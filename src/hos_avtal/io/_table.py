"""Reading a table from CSV or Parquet and typing its columns, collecting every problem.

The checks are polars expressions over whole columns; a problem is a row of a
``(row, column, reason)`` frame, so validating a million rows costs a few column scans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl

from hos_avtal.errors import InputError, Problem
from hos_avtal.municipalities._registry import all_codes_frame

ColumnKind = Literal["text", "kommun", "date", "bool", "choice", "int", "money", "month"]

TRUE_WORDS = ("true", "1", "ja", "j", "yes", "y", "sant")
FALSE_WORDS = ("false", "0", "nej", "n", "no", "falskt")

_DTYPES: dict[str, pl.DataType] = {
    "text": pl.String(),
    "kommun": pl.String(),
    "choice": pl.String(),
    "date": pl.Date(),
    "bool": pl.Boolean(),
    "int": pl.Int64(),
    "money": pl.Int64(),  # integer öre
    "month": pl.Date(),  # the month's first day
}

_MONEY = r"^-?\d+(?:\.\d{1,2})?$"
_MONTH = r"^\d{4}-(?:0[1-9]|1[0-2])$"

PROBLEM_SCHEMA = {"row": pl.Int64, "column": pl.String, "reason": pl.String}


@dataclass(frozen=True, slots=True)
class Column:
    """An expected input column: its name, kind, and whether it may be missing or empty."""

    name: str
    kind: ColumnKind = "text"
    required: bool = True
    """The column must be present in the file."""
    nullable: bool = False
    """An empty cell is allowed."""
    choices: tuple[str, ...] = field(default=())
    personal: bool = False
    """Holds an id about a person: its values are never echoed in a message."""


@dataclass(frozen=True, slots=True)
class Table:
    """A typed frame and where it came from (for row numbers in messages)."""

    frame: pl.DataFrame
    source: str
    first_row: int
    """The row number of the frame's first record: 2 for CSV (after the header), 1 otherwise."""


def _sniff_separator(head: bytes) -> str:
    line = head.split(b"\n", 1)[0]
    counts = {sep: line.count(sep.encode()) for sep in (";", ",", "\t")}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


def read_table(path: str | Path, columns: Sequence[Column]) -> Table:
    """Read ``path`` (``.csv``/``.txt`` or ``.parquet``) with only the wanted columns, untyped.

    CSV cells are read as text (so ``0180`` keeps its zero); the separator (``,`` ``;`` or tab)
    is detected and a UTF-8 byte-order mark is ignored.
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise InputError(source, [Problem(None, None, "no such file")])
    wanted = [c.name for c in columns]
    if path.suffix.lower() == ".parquet":
        try:
            names = list(pl.read_parquet_schema(path))
            present = [n for n in wanted if n in names]
            frame = pl.read_parquet(path, columns=present)
        except Exception as exc:  # polars raises several kinds for a broken file
            raise InputError(
                source, [Problem(None, None, f"not a readable Parquet file ({_first_line(exc)})")]
            ) from None
        return Table(_check_header(frame, columns, source), source, first_row=1)

    with path.open("rb") as handle:
        head = handle.read(65536)
    if not head.strip():
        raise InputError(source, [Problem(None, None, "the file is empty; expected a header row")])
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the buffer's end
            raise InputError(
                source,
                [Problem(None, None, "is not UTF-8 text; save it as 'CSV UTF-8' and try again")],
            ) from None
    try:
        frame = pl.read_csv(
            path,
            separator=_sniff_separator(head.removeprefix(b"\xef\xbb\xbf")),
            infer_schema=False,
            encoding="utf8",
        )
    except Exception as exc:
        raise InputError(
            source, [Problem(None, None, f"could not be read as CSV ({_first_line(exc)})")]
        ) from None
    frame = frame.rename({c: c.removeprefix("\ufeff").strip().lower() for c in frame.columns})
    present = [n for n in wanted if n in frame.columns]
    return Table(_check_header(frame.select(present), columns, source), source, first_row=2)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _check_header(frame: pl.DataFrame, columns: Sequence[Column], source: str) -> pl.DataFrame:
    missing = [c.name for c in columns if c.required and c.name not in frame.columns]
    if missing:
        raise InputError(
            source,
            [Problem(1, name, "required column is missing from the header") for name in missing],
        )
    return frame


def type_columns(table: Table, columns: Sequence[Column]) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Type every column; return the typed frame and frames of problems (row, column, reason).

    The common case costs a few column scans: each column is typed once (text columns with few
    distinct values — dates, booleans, codes — are parsed once per distinct value), a cheap mask
    finds the bad rows, and only those rows get a worded reason. Absent optional columns are
    added as nulls.
    """
    raw = table.frame
    typed_columns: list[pl.Series] = []
    masks: dict[str, pl.Series] = {}
    for column in columns:
        if column.name not in raw.columns:
            typed_columns.append(pl.Series(column.name, [None] * raw.height, dtype=_DTYPES[column.kind]))
            continue
        series = raw.get_column(column.name)
        typed = _typed_series(series, column)
        typed_columns.append(typed)
        bad = _bad_mask(series, typed, column)
        if bad is not None:
            masks[column.name] = bad
    typed_frame = pl.DataFrame(typed_columns).with_row_index("__row", offset=table.first_row)
    if not masks:
        return typed_frame, []
    flags = pl.DataFrame(masks)
    any_bad = flags.select(pl.any_horizontal(pl.all()).alias("bad")).get_column("bad")
    if not any_bad.any():
        return typed_frame, []
    bad_raw = raw.filter(any_bad)
    bad_typed = typed_frame.filter(any_bad)
    reasons = bad_raw.select(
        *[
            _problem_expr(pl.col(c.name), pl.lit(bad_typed.get_column(c.name)), raw.schema[c.name], c).alias(
                c.name
            )
            for c in columns
            if c.name in masks
        ]
    ).with_columns(bad_typed.get_column("__row"))
    problem_frames = [
        reasons.filter(pl.col(name).is_not_null()).select(
            pl.col("__row").cast(pl.Int64).alias("row"),
            pl.lit(name).alias("column"),
            pl.col(name).alias("reason"),
        )
        for name in masks
    ]
    return typed_frame, problem_frames


def _typed_series(series: pl.Series, column: Column) -> pl.Series:
    dtype = series.dtype
    if column.kind in ("date", "bool") and dtype == _DTYPES[column.kind]:
        return series
    if column.kind == "int" and dtype.is_integer():
        return series.cast(pl.Int64)
    if column.kind == "date" and dtype == pl.Datetime:
        return series.cast(pl.Date)
    if column.kind == "month" and dtype in (pl.Date, pl.Datetime):
        return series.cast(pl.Date).dt.month_start().rename(column.name)
    if column.kind == "money" and (dtype.is_integer() or dtype == pl.Decimal):
        # Integers are whole kronor; a Decimal column is exact. Binary floats go through their
        # shortest text form, so 1234.5 is 123450 öre and 0.1 + 0.2 is refused, not rounded.
        return (
            series.to_frame()
            .select(_money(pl.col(column.name).cast(pl.String)).alias(column.name))
            .to_series()
        )
    expr = _typed(pl.col(column.name), dtype, column).alias(column.name)
    if column.kind == "text" and dtype == pl.String and not _needs_cleaning(series):
        return series.rename(column.name)
    if series.len() > 1000 and (column.kind != "text" or series.head(1000).n_unique() < 250):
        # Few distinct values: parse each once and map back.
        distinct = series.unique()
        if distinct.len() * 4 < series.len():
            parsed = distinct.to_frame().select(expr).to_series()
            if column.kind in ("choice", "kommun") and parsed.equals(distinct, check_names=False):
                return series.rename(column.name)
            return series.replace_strict(distinct, parsed, default=None, return_dtype=_DTYPES[column.kind])
    return series.to_frame().select(expr).to_series()


def _needs_cleaning(series: pl.Series) -> bool:
    """Whether any cell is empty or has surrounding white space (both rare in system exports)."""
    lengths = series.str.len_bytes()
    return bool(((lengths == 0) | (series.str.strip_chars().str.len_bytes() != lengths)).any())


def _bad_mask(series: pl.Series, typed: pl.Series, column: Column) -> pl.Series | None:
    """Rows that certainly have a problem in this column (cheap; the reason is worded later)."""
    bad: pl.Series | None = None
    if column.kind in ("choice", "kommun"):
        allowed = column.choices if column.kind == "choice" else all_codes_frame()["kommun"].to_list()
        distinct = typed.unique().drop_nulls()
        unknown = distinct.filter(~distinct.is_in(allowed))
        if unknown.len():
            bad = typed.is_in(unknown.to_list())
    parse_failed = typed.is_null()
    if column.nullable:
        parse_failed = parse_failed & series.is_not_null() if typed.dtype != series.dtype else None  # type: ignore[assignment]
    if parse_failed is not None and parse_failed.any():
        bad = parse_failed if bad is None else bad | parse_failed
    return bad


def _text(raw: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    as_text = raw if dtype == pl.String else raw.cast(pl.String)
    stripped = as_text.str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped)


def _typed(raw: pl.Expr, dtype: pl.DataType, column: Column) -> pl.Expr:
    text = _text(raw, dtype)
    if column.kind == "date":
        return text.str.to_date("%Y-%m-%d", strict=False)
    if column.kind == "bool":
        lower = text.str.to_lowercase()
        return pl.when(lower.is_in(TRUE_WORDS)).then(True).when(lower.is_in(FALSE_WORDS)).then(False)
    if column.kind == "int":
        return text.str.to_integer(strict=False)
    if column.kind == "money":
        return _money(text)
    if column.kind == "month":
        return pl.when(text.str.contains(_MONTH)).then(
            pl.concat_str(text, pl.lit("-01")).str.to_date("%Y-%m-%d")
        )
    if column.kind == "choice":
        return text.str.to_lowercase()
    return text


def _money(text: pl.Expr) -> pl.Expr:
    """Kronor as text (``1234.50``, ``1 234,50``, ``-5``) to integer öre, exactly; else null."""
    cleaned = text.str.replace_all(r"[\s\u00a0]", "").str.replace(",", ".", literal=True)
    whole = cleaned.str.extract(r"^-?(\d+)", 1).cast(pl.Int64, strict=False)
    cents = (
        cleaned.str.extract(r"\.(\d{1,2})$", 1).str.pad_end(2, "0").cast(pl.Int64, strict=False).fill_null(0)
    )
    sign = pl.when(cleaned.str.starts_with("-")).then(-1).otherwise(1)
    return pl.when(cleaned.str.contains(_MONEY)).then(sign * (whole * 100 + cents))


def _problem_expr(raw: pl.Expr, typed: pl.Expr, dtype: pl.DataType, column: Column) -> pl.Expr:
    """A String expression: the reason a cell is bad, or null when it is fine."""
    text = _text(raw, dtype)
    shown = pl.lit("the value") if column.personal else pl.concat_str(pl.lit("'"), text, pl.lit("'"))
    empty = text.is_null()
    unparsed = ~empty & typed.is_null()
    cases: list[tuple[pl.Expr, pl.Expr]] = []
    if not column.nullable:
        cases.append((empty, pl.lit("empty; a value is required")))
    if column.kind == "date":
        cases.append((unparsed, pl.concat_str(shown, pl.lit(" is not a date; write it as YYYY-MM-DD"))))
    elif column.kind == "bool":
        cases.append(
            (unparsed, pl.concat_str(shown, pl.lit(" is not a yes/no value; use true/false, 1/0 or ja/nej")))
        )
    elif column.kind == "int":
        cases.append((unparsed, pl.concat_str(shown, pl.lit(" is not a whole number"))))
    elif column.kind == "money":
        message = pl.lit(" is not an amount in kronor with at most two decimals, e.g. 12500.50")
        cases.append((unparsed, pl.concat_str(shown, message)))
    elif column.kind == "month":
        cases.append((unparsed, pl.concat_str(shown, pl.lit(" is not a month; write it as YYYY-MM"))))
    elif column.kind == "choice":
        message = pl.lit(f" is not one of {', '.join(column.choices)}")
        cases.append((~empty & ~typed.is_in(column.choices), pl.concat_str(shown, message)))
    elif column.kind == "kommun":
        codes = all_codes_frame()["kommun"].to_list()
        message = pl.lit(" is not a kommun code (four characters from SCB's list, e.g. 1480 or 0180)")
        cases.append((~empty & ~text.is_in(codes), pl.concat_str(shown, message)))
    if not cases:
        return pl.lit(None, pl.String)
    # The first failing check gives the reason: coalesce picks the first non-null message.
    return pl.coalesce([pl.when(condition).then(message) for condition, message in cases])


def problems_to_error(source: str, problem_frames: Sequence[pl.DataFrame]) -> InputError | None:
    """One :class:`InputError` with every problem, sorted by row; ``None`` when there are none."""
    frames = [f for f in problem_frames if f.height]
    if not frames:
        return None
    problems = pl.concat(frames, how="vertical").sort("row", maintain_order=True)
    return InputError(
        source,
        [Problem(r, c, reason) for r, c, reason in problems.iter_rows()],
    )
