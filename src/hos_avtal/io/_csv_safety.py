"""Safe output files: CSV cells a spreadsheet cannot evaluate, and files only their owner can read.

**Formula injection.** A CSV opened in Excel or LibreOffice evaluates a cell that starts with
``=``, ``+``, ``-`` or ``@`` as a formula (and a leading tab or carriage return can smuggle one
past a naive check), so an id such as ``=HYPERLINK("http://x","y")`` in an input would become a
live link or a DDE command in the fakturaunderlag. Following OWASP's advice, every text cell of
every CSV the product writes that starts with one of those six characters gets a single quote
``'`` in front, which a spreadsheet shows as text and a program can strip. A cell that is a plain
number is left alone, so that negative amounts stay machine-readable: the pattern is
``^-?[0-9]+(\\.[0-9]+)?$`` — an optional minus, ASCII digits, and optionally a point and more
digits (``-706800.00``, ``-5``, ``-12.5``: what :func:`~hos_avtal.money.format_sek` and the
percent columns write). Anything else — ``+5``, ``-1e5``, ``-2+3`` — is quoted. Excel set to a
Swedish locale splits a line at ``;`` whatever the file's separator, so a part of a cell after a
``;`` is treated alike: ``SU;=1+2`` is written ``SU;'=1+2``. Only text
columns (String, and Categorical/Enum, which are written as text) are touched; numbers, dates
and booleans cannot hold a formula. Excel and PDF files need none of this: xlsxwriter writes
strings as strings, and a PDF evaluates nothing.

**Private files.** Invoice data and the run database are for their owner: every file written
here is created with mode ``0o600`` whatever the process umask, and replaced atomically.

>>> import polars as pl
>>> frame = pl.DataFrame({"id": ["=1+1", "-706800.00", "-2+3", "ok"], "n": [-1, 2, 3, 4]})
>>> neutralise_formulas(frame)["id"].to_list()
["'=1+1", '-706800.00', "'-2+3", 'ok']
>>> neutralise_formulas(pl.DataFrame({"id": ["SU;=1+2;x"]}))["id"].item()
"SU;'=1+2;x"
>>> safe_csv_text(frame.head(1))
"id,n\\n'=1+1,-1\\n"
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import polars as pl

FORMULA_START = "=+-@\t\r"
"""The first characters that make a spreadsheet evaluate a cell."""

_FORMULA_START = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^-?[0-9]+(\.[0-9]+)?$"

PRIVATE_MODE = 0o600


def _is_text(dtype: pl.DataType) -> bool:
    return isinstance(dtype, pl.String | pl.Categorical | pl.Enum)


def neutralise_expr(text: pl.Expr) -> pl.Expr:
    """``text`` (a String expression) with a ``'`` before every cell a spreadsheet would evaluate.

    >>> import polars as pl
    >>> pl.select(neutralise_expr(pl.lit("@cmd"))).item()
    "'@cmd"
    """
    dangerous = text.str.contains(_FORMULA_START) & ~text.str.contains(_PLAIN_NUMBER)
    # Swedish Excel splits a line at ";" (its list separator) even in a comma-separated file, so
    # every part of a cell after a ";" is a cell of its own to it, and is neutralised the same way.
    parts = text.str.replace_all(r";([=+\-@\t\r])", ";'${1}")
    return pl.when(dangerous).then(pl.concat_str(pl.lit("'"), parts)).otherwise(parts)


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text column neutralised (see the module docstring for the rule).

    Categorical and Enum columns come back as String: their values are text in a CSV too.
    """
    text = [name for name, dtype in frame.schema.items() if _is_text(dtype)]
    if not text:
        return frame
    return frame.with_columns(neutralise_expr(pl.col(name).cast(pl.String)).alias(name) for name in text)


def safe_csv_text(frame: pl.DataFrame, *, date_format: str | None = None) -> str:
    """``frame`` as CSV text (polars' defaults: ``,``, a header, ``\\n``), formulas neutralised."""
    return neutralise_formulas(frame).write_csv(date_format=date_format)


def safe_csv_bytes(frame: pl.DataFrame, *, date_format: str | None = None) -> bytes:
    """``frame`` as UTF-8 CSV bytes, formulas neutralised: what every CSV file of the product holds."""
    buffer = io.BytesIO()
    neutralise_formulas(frame).write_csv(buffer, date_format=date_format)
    return buffer.getvalue()


def write_private(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` with mode ``0o600``, atomically (a temporary file, then a rename).

    A reader never sees half a file, a failed write leaves the previous file intact, and the
    file is the owner's alone from its first byte (the rename keeps the temporary file's mode).

    >>> import stat, tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_private(Path(folder) / "x.csv", b"a\\n1\\n")
    ...     oct(stat.S_IMODE(path.stat().st_mode)), path.read_bytes()
    ('0o600', b'a\\n1\\n')
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            # mkstemp asks for 0600, but a umask can still take the owner's bits away (0o277
            # leaves 0400); setting the mode on the open file makes it exact either way.
            os.fchmod(out.fileno(), PRIVATE_MODE)
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
