"""Reading a table from CSV or Parquet and typing its columns, collecting every problem.

The checks are polars expressions over whole columns; a problem is a row of a
``(row, column, reason)`` frame, so validating a million rows costs a few column scans.

Two rules hold for every reader, because they are applied here:

* A reason never quotes the cell it is about. Any cell could hold a personnummer or a name (a
  date column with a personnummer typed into it), and messages end up in logs, e-mails and
  tickets; the file, row and column are enough to find the cell.
* A text cell may not hold a control character (NUL, a tab, a line break, DEL …) or an
  invisible one (a zero-width space, a direction mark): PostgreSQL cannot store a NUL, the
  control characters break the CSV, Excel and PDF files made from the text, and the invisible
  ones make two ids look alike. A text cell may not hold a personnummer either, in any spelling
  (:mod:`hos_avtal.privacy`).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl

from hos_avtal.errors import InputError, Problem
from hos_avtal.money import parse_sek_expr, sek_problem_expr
from hos_avtal.months import MONTH_PATTERN
from hos_avtal.municipalities import all_codes_frame
from hos_avtal.privacy import (
    CONTROL,
    CONTROL_REASON,
    PERSONNUMMER_REASON,
    personnummer_rows,
    readable,
)

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


@dataclass(frozen=True, slots=True)
class Table:
    """A typed frame and where it came from (for row numbers in messages)."""

    frame: pl.DataFrame
    source: str
    first_row: int
    """The row number of the frame's first record: 2 for CSV (after the header), 1 otherwise."""
    row_numbers: pl.Series | None = None
    """Each record's row number, when rows were left out (empty spreadsheet rows); else the rows
    are numbered on from ``first_row``."""

    def with_frame(self, frame: pl.DataFrame) -> Table:
        """The same table with its cells replaced (``frame`` has the same rows)."""
        return dataclasses.replace(self, frame=frame)

    def rows(self) -> pl.Series:
        """The row number of every record, as an Int64 series named ``__row``."""
        if self.row_numbers is not None:
            return self.row_numbers.cast(pl.Int64).rename("__row")
        return pl.int_range(self.first_row, self.first_row + self.frame.height, eager=True).rename("__row")


def _sniff_separator(head: bytes) -> str:
    line = head.split(b"\n", 1)[0]
    counts = {sep: line.count(sep.encode()) for sep in (";", ",", "\t")}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


def read_table(path: str | Path, columns: Sequence[Column]) -> Table:
    """Read ``path`` (``.csv``/``.txt`` or ``.parquet``) with only the wanted columns, untyped.

    CSV cells are read as text (so ``0180`` keeps its zero); the separator (``,`` ``;`` or tab)
    is detected and a UTF-8 byte-order mark is ignored. Rows whose every cell is empty (the
    ``;;;;`` rows Excel leaves at the end of a sheet) are skipped; the other rows keep their
    numbers. A header naming a column twice, and a row with more non-empty fields than the
    header, are refused with their row numbers.
    """
    path = Path(path)
    source = str(path)
    _check_file(path, source)
    _check_rows(path, source, columns)
    wanted = [c.name for c in columns]
    if path.suffix.lower() == ".parquet":
        try:
            names = list(pl.read_parquet_schema(path))
            present = [n for n in wanted if n in names]
            frame = pl.read_parquet(path, columns=present)
        except Exception as exc:  # polars raises several kinds for a broken file
            raise InputError(
                source, [Problem(None, None, f"är inte en läsbar Parquet-fil ({_first_line(exc)})")]
            ) from None
        return Table(_check_header(frame, columns, source), source, first_row=1)

    with path.open("rb") as handle:
        head = handle.read(65536)
    if not head.strip():
        raise InputError(source, [Problem(None, None, "filen är tom; första raden ska vara rubrikraden")])
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the buffer's end
            raise InputError(
                source,
                [Problem(None, None, "är inte UTF-8-text; spara den som 'CSV UTF-8' och försök igen")],
            ) from None
    separator = _sniff_separator(head.removeprefix(b"\xef\xbb\xbf"))
    header = _header(head, separator, source)
    _check_duplicate_names(header, source)
    frame = _read_csv(path, separator, len(header), source)
    frame = frame.rename(_normalised_names(frame.columns, header))
    row_numbers = None
    empty = pl.Series(dtype=pl.Boolean)
    # An empty row has an empty first cell: only if some row does are all the cells looked at.
    if frame.width and frame.select(_blank(pl.first()).any()).item():
        empty = frame.select(pl.all_horizontal(_blank(pl.all())).alias("empty")).to_series()
    if empty.any():
        row_numbers = pl.int_range(2, 2 + frame.height, eager=True).filter(~empty)
        frame = frame.filter(~empty)
    present = [n for n in wanted if n in frame.columns]
    return Table(_check_header(frame.select(present), columns, source), source, 2, row_numbers)


MAX_ROWS_ENV = "HOS_AVTAL_MAX_INPUT_ROWS"
DEFAULT_MAX_ROWS = 10_000_000
"""Rows an input file may have: a history the size of a clerk's mistaken export (all of Sweden
for decades) is refused before it is read, not allowed to fill the machine's memory (a run keeps
about 0.5–0.7 kB an episode: ``benchmarks/README.md``)."""


def max_input_rows() -> int:
    """:data:`DEFAULT_MAX_ROWS`, or ``HOS_AVTAL_MAX_INPUT_ROWS`` when set to a whole number."""
    value = os.environ.get(MAX_ROWS_ENV, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MAX_ROWS


def _check_rows(path: Path, source: str, columns: Sequence[Column]) -> None:
    """Refuse a file with more rows than :func:`max_input_rows`: a Parquet file by its metadata,
    a CSV file by counting its lines as they stream past (stopping as soon as there are too many)
    — only if it is large enough to have that many (a row holds at least a byte per required
    column), so an ordinary file is not read twice."""
    limit = max_input_rows()
    if path.suffix.lower() != ".parquet" and path.stat().st_size <= limit * max(
        1, sum(c.required for c in columns)
    ):
        return
    if path.suffix.lower() == ".parquet":
        try:
            rows = int(pl.scan_parquet(path).select(pl.len()).collect().item())
        except Exception:  # a broken file: the reader names what is wrong with it
            return
    else:
        rows = -1  # the header
        with path.open("rb") as handle:
            while rows <= limit and (chunk := handle.read(4 * 2**20)):
                rows += chunk.count(b"\n")
    if rows > limit:
        reason = (
            f"har fler än {limit} rader, det som en fil får ha ({MAX_ROWS_ENV}); dela upp den, "
            "till exempel per år, eller ta bara med de månader som körningen behöver"
        )
        raise InputError(source, [Problem(None, None, reason)])


def _blank(cells: pl.Expr) -> pl.Expr:
    return cells.is_null() | (cells.str.strip_chars() == "")


def _check_file(path: Path, source: str) -> None:
    """A missing path, a folder, a device and an unreadable file each get their own reason."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError(source, [Problem(None, None, "filen finns inte")]) from None
    except OSError as exc:
        raise InputError(source, [Problem(None, None, f"kan inte läsas ({exc.strerror})")]) from None
    if stat.S_ISDIR(mode):
        raise InputError(source, [Problem(None, None, "är en mapp, inte en fil")])
    if not stat.S_ISREG(mode):
        raise InputError(
            source, [Problem(None, None, "är inte en vanlig fil (en enhet, rörledning eller socket)")]
        )
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise InputError(source, [Problem(None, None, f"kan inte läsas ({exc.strerror})")]) from None


def _header(head: bytes, separator: str, source: str) -> list[str]:
    """The header's column names, normalised as the readers match them (trimmed, lower case)."""
    text = head.decode("utf-8-sig", errors="replace")
    try:
        first = next(csv.reader(io.StringIO(text, newline=""), delimiter=separator), [])
    except csv.Error as exc:
        raise InputError(
            source, [Problem(1, None, f"rubrikraden kunde inte läsas som CSV ({exc})")]
        ) from None
    return [_column_name(name) for name in first]


def _column_name(name: str) -> str:
    """A header's name as the readers match it: trimmed, lower case, in Unicode's compatibility
    form and without invisible characters (``kommun\u200b`` is ``kommun``, so naming a column
    twice cannot hide behind a zero-width space)."""
    return readable(name).strip().lower()


def _normalised_names(read: list[str], header: list[str]) -> dict[str, str]:
    """polars' column names → the header's, trimmed and in lower case (a blank name stays)."""
    if len(read) != len(header):  # the two parsers disagree on an odd header: trust polars
        header = [_column_name(name) for name in read]
    return {old: new or old for old, new in zip(read, header, strict=True)}


def _check_duplicate_names(header: list[str], source: str) -> None:
    seen: dict[str, int] = {}
    problems = []
    for position, name in enumerate(header, start=1):
        if name and name in seen:
            problems.append(
                Problem(
                    1, name, f"står två gånger i rubrikraden (kolumn {seen[name]} och {position}); behåll en"
                )
            )
        seen.setdefault(name, position)
    if problems:
        raise InputError(source, problems)


def _read_csv(path: Path, separator: str, width: int, source: str) -> pl.DataFrame:
    def read(truncate: bool) -> pl.DataFrame:
        return pl.read_csv(
            path,
            separator=separator,
            infer_schema=False,
            encoding="utf8",
            truncate_ragged_lines=truncate,
        )

    try:
        return read(truncate=False)
    except Exception as exc:
        if "more fields" not in str(exc):
            raise InputError(
                source, [Problem(None, None, f"kunde inte läsas som CSV ({_first_line(exc)})")]
            ) from None
    # Some row has more fields than the header. Excel writes empty ones after the last column
    # of a sheet that once had more: those are dropped; a row with data beyond the header is
    # refused, naming it (polars only says that some row is too long).
    problems = _overlong_rows(path, separator, width)
    if problems:
        raise InputError(source, problems)
    try:
        return read(truncate=True)
    except Exception as exc:
        raise InputError(
            source, [Problem(None, None, f"kunde inte läsas som CSV ({_first_line(exc)})")]
        ) from None


def _overlong_rows(path: Path, separator: str, width: int) -> list[Problem]:
    """Rows with a non-empty field beyond the header's ``width`` (read only when polars found one)."""
    problems = []
    with path.open(encoding="utf-8-sig", newline="", errors="replace") as handle:
        rows = csv.reader(handle, delimiter=separator)
        try:
            for row, fields in enumerate(rows, start=1):
                if len(fields) > width and any(f.strip() for f in fields[width:]):
                    reason = f"har {len(fields)} fält men rubrikraden har {width}; ta bort de överflödiga"
                    problems.append(Problem(row, None, reason))
        except csv.Error as exc:  # e.g. a field longer than the csv module takes
            problems.append(Problem(rows.line_num, None, f"kunde inte läsas som CSV ({exc})"))
    return problems


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _check_header(frame: pl.DataFrame, columns: Sequence[Column], source: str) -> pl.DataFrame:
    missing = [c.name for c in columns if c.required and c.name not in frame.columns]
    if missing:
        raise InputError(
            source,
            [Problem(1, name, "obligatorisk kolumn saknas i rubrikraden") for name in missing],
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
    problem_frames: list[pl.DataFrame] = []
    for column in columns:
        if column.name in raw.columns and not _supported(raw.schema[column.name], column.kind):
            # A Parquet column of a type no cell of this kind can be (a list, bytes, a duration):
            # one problem for the column, and its cells count as missing.
            reason = f"har typen {raw.schema[column.name]} i filen; väntat: {_EXPECTED[column.kind]}"
            problem_frames.append(
                pl.DataFrame([(None, column.name, reason)], schema=PROBLEM_SCHEMA, orient="row")
            )
            raw = raw.drop(column.name)
        if column.name not in raw.columns:
            typed_columns.append(pl.Series(column.name, [None] * raw.height, dtype=_DTYPES[column.kind]))
            continue
        series = raw.get_column(column.name)
        typed = _typed_series(series, column)
        typed_columns.append(typed)
        bad = _bad_mask(series, typed, column)
        if bad is not None:
            masks[column.name] = bad
    typed_frame = pl.DataFrame(typed_columns).with_columns(table.rows())
    for column in columns:
        if column.kind == "text" and column.name in raw.columns:
            problem_frames.extend(_text_problems(typed_frame, column.name))
    if not masks:
        return typed_frame, problem_frames
    flags = pl.DataFrame(masks)
    any_bad = flags.select(pl.any_horizontal(pl.all()).alias("bad")).get_column("bad")
    if not any_bad.any():
        return typed_frame, problem_frames
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
    problem_frames += [
        reasons.filter(pl.col(name).is_not_null()).select(
            pl.col("__row").cast(pl.Int64).alias("row"),
            pl.lit(name).alias("column"),
            pl.col(name).alias("reason"),
        )
        for name in masks
    ]
    return typed_frame, problem_frames


def _text_problems(typed: pl.DataFrame, name: str) -> list[pl.DataFrame]:
    """A control character or a personnummer in a text column (checked after trimming)."""
    found = []
    control = typed.filter(pl.col(name).str.contains(CONTROL).fill_null(False))
    if control.height:
        found.append(_reason_rows(control, name, CONTROL_REASON))
    hits = personnummer_rows(typed, name)
    if hits.len():
        found.append(_reason_rows(typed[hits], name, PERSONNUMMER_REASON))
    return found


def _reason_rows(rows: pl.DataFrame, column: str, reason: str) -> pl.DataFrame:
    return rows.select(
        pl.col("__row").cast(pl.Int64).alias("row"),
        pl.lit(column).alias("column"),
        pl.lit(reason).alias("reason"),
    )


_EXPECTED = {
    "text": "text", "kommun": "text (en kommunkod)", "choice": "text", "date": "ett datum",
    "bool": "ja/nej (boolean)", "int": "ett heltal", "money": "ett belopp i kronor", "month": "en månad",
}  # fmt: skip


def _supported(dtype: pl.DataType, kind: ColumnKind) -> bool:
    """Whether a column of ``dtype`` can hold values of ``kind`` (text always can: it is parsed)."""
    if dtype == pl.String or dtype == pl.Null:
        return True
    if kind in ("text", "kommun", "choice"):
        return dtype.is_numeric() or isinstance(dtype, pl.Categorical | pl.Enum)
    if kind in ("date", "month"):
        return isinstance(dtype, pl.Date | pl.Datetime)
    if kind == "bool":
        return dtype == pl.Boolean or dtype.is_integer()
    if kind == "int":
        return dtype.is_integer()
    return dtype.is_integer() or dtype.is_float() or isinstance(dtype, pl.Decimal)  # money


def _typed_series(series: pl.Series, column: Column) -> pl.Series:
    dtype = series.dtype
    if column.kind in ("date", "bool") and dtype == _DTYPES[column.kind]:
        return series
    if column.kind == "int" and dtype.is_integer():
        return series.cast(pl.Int64, strict=False)  # a UInt64 beyond Int64 becomes a bad cell
    if column.kind == "date" and dtype == pl.Datetime:
        return _local_dates(series)
    if column.kind == "month" and dtype in (pl.Date, pl.Datetime):
        return _local_dates(series).dt.month_start().rename(column.name)
    if column.kind == "money" and (dtype.is_integer() or dtype == pl.Decimal):
        # Integers are whole kronor; a Decimal column is exact. Binary floats go through their
        # shortest text form, so 1234.5 is 123450 öre and 0.1 + 0.2 is refused, not rounded.
        return (
            series.to_frame()
            .select(parse_sek_expr(pl.col(column.name).cast(pl.String)).alias(column.name))
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


def _local_dates(series: pl.Series) -> pl.Series:
    """A timestamp column's dates as its own time zone reads them: midnight in Stockholm is that
    day, not the day before (which is what the UTC instant would give)."""
    if series.dtype == pl.Datetime and getattr(series.dtype, "time_zone", None):
        series = series.dt.replace_time_zone(None)
    return series.cast(pl.Date)


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
        return parse_sek_expr(text)
    if column.kind == "month":
        return pl.when(text.str.contains(MONTH_PATTERN)).then(
            pl.concat_str(text, pl.lit("-01")).str.to_date("%Y-%m-%d")
        )
    if column.kind == "choice":
        return text.str.to_lowercase()
    return text


def _problem_expr(raw: pl.Expr, typed: pl.Expr, dtype: pl.DataType, column: Column) -> pl.Expr:
    """A String expression: the reason a cell is bad, or null when it is fine."""
    text = _text(raw, dtype)
    empty = text.is_null()
    unparsed = ~empty & typed.is_null()
    cases: list[tuple[pl.Expr, pl.Expr]] = []
    if not column.nullable:
        cases.append((empty, pl.lit("tom; ett värde krävs")))
    if column.kind == "date":
        cases.append((unparsed, pl.lit("är inget datum; skriv det ÅÅÅÅ-MM-DD")))
    elif column.kind == "bool":
        cases.append((unparsed, pl.lit("är inget ja/nej-värde; skriv ja/nej, 1/0 eller true/false")))
    elif column.kind == "int":
        cases.append((unparsed, pl.lit("är inget heltal")))
    elif column.kind == "money":
        cases.append((unparsed, sek_problem_expr(text)))
    elif column.kind == "month":
        cases.append((unparsed, pl.lit("är ingen månad; skriv den ÅÅÅÅ-MM")))
    elif column.kind == "choice":
        cases.append(
            (~empty & ~typed.is_in(column.choices), pl.lit(f"är inte något av {', '.join(column.choices)}"))
        )
    elif column.kind == "kommun":
        codes = all_codes_frame()["kommun"].to_list()
        message = pl.lit("är ingen kommunkod (fyra tecken ur SCB:s lista, t.ex. 1480 eller 0180)")
        cases.append((~empty & ~text.is_in(codes), message))
    if not cases:
        return pl.lit(None, pl.String)
    # The first failing check gives the reason: coalesce picks the first non-null message.
    return pl.coalesce([pl.when(condition).then(message) for condition, message in cases])


def date_problems(
    typed: pl.DataFrame, columns: Sequence[Column], *, events: Sequence[str]
) -> list[pl.DataFrame]:
    """Dates before the plausibility limits' earliest year, and ``events`` later than today.

    An event (a discharge, a visit, a decision, a month's cost) cannot lie in the future; an end
    date or a period of validity can.
    """
    from hos_avtal.rules import plausibility_limits

    limits = plausibility_limits()
    found = []
    for column in columns:
        if column.kind not in ("date", "month") or column.name not in typed.columns:
            continue
        date = pl.col(column.name)
        early = typed.filter(date < limits.earliest_date)
        if early.height:
            reason = (
                f"är före {limits.earliest_date}, tidigare än något datum hos_avtal tar emot "
                "(rimlighetsgränserna); är året felskrivet?"
            )
            found.append(_reason_rows(early, column.name, reason))
        if column.name in events:
            latest = limits.today.replace(day=1) if column.kind == "month" else limits.today
            late = typed.filter(date > latest)
            if late.height:
                when = (
                    "en senare månad än i dag" if column.kind == "month" else f"efter i dag ({limits.today})"
                )
                found.append(_reason_rows(late, column.name, f"är {when}; det kan inte ha hänt ännu"))
    return found


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
