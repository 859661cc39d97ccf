"""The seal of a billing run: a SHA-256 over its identity and every row it stored.

The database refuses to change a final run (triggers on every run table, migrations 0001 and
0005), but whoever can drop a trigger can change a row. The seal makes such a change visible: it
is computed when a run is stored, checked again when the run is finalized, and checked whenever
the run is read, shown or exported; a run whose rows no longer match its seal is refused with a
:class:`~hos_avtal.errors.RunIntegrityError`, never served. The seal is printed on every
fakturaunderlag, so an invoice already sent also proves what the run said.

How it is made, so an auditor can recompute it (``hos-avtal run verify`` does):

* each stored row becomes one line of JSON (its columns in table order, lists joined by ``;``);
* a municipality's **digest** is the SHA-256 of ``kommun <code>`` and, table by table in the order
  of :data:`~hos_avtal.storage._models.FRAME_TABLES`, the table's name and the sorted lines of
  the rows that concern it (a home-care line concerns both its host and its home);
* the **inputs digest** (kept under the code ``*``) is the SHA-256 of each stored input's Parquet;
* the **seal** is the SHA-256 of the run's identity (month, version, rule set and inputs hashes,
  creator, …, and from finalization on its state and who finalized it when), the inputs' names,
  hashes and row counts, and every digest, ``code sha256`` one per line.

The digests are stored beside the seal (``run_digest``), so one municipality's part is verified
by reading only its rows: its digest is recomputed, and the seal recomputed from the stored
digests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

INPUTS_CODE = "*"
"""The ``run_digest`` code of the inputs' digest (no kommun code is one character)."""

_IDENTITY = (
    "month", "version", "ruleset_id", "ruleset_hash", "inputs_hash", "code_version", "created_by",
    "created_at", "daily_amount_ore", "corrects_run_id", "capabilities", "accepted",
)  # fmt: skip
_FINAL = ("state", "finalized_by", "finalized_at")


def _text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def identity(row: Mapping[Any, Any]) -> dict[str, Any]:
    """The sealed fields of a ``billing_run`` row; a final run's state and finalization too."""
    fields = _IDENTITY + (_FINAL if row["state"] == "final" else ())
    return {name: _text(row[name]) for name in fields}


def lines(frame: pl.DataFrame) -> pl.Expr:
    """Each row as one line of JSON (columns in frame order)."""
    columns = [
        pl.col(name).list.join(";") if isinstance(dtype, pl.List) else pl.col(name)
        for name, dtype in frame.schema.items()
    ]
    return pl.struct(columns).struct.json_encode()


def municipality_digests(
    frames: Mapping[str, pl.DataFrame | None], kommun_columns: Mapping[str, Sequence[str]]
) -> dict[str, str]:
    """Each municipality's digest over the rows that concern it, by kommun code."""
    parts: list[pl.DataFrame] = []
    for order, (name, frame) in enumerate(frames.items()):
        if frame is None or frame.height == 0:
            continue
        columns = kommun_columns[name]
        text = frame.select(lines(frame).alias("line"), *[pl.col(c).cast(pl.String) for c in columns])
        for i, column in enumerate(columns):
            # A row that names the same municipality in both its columns counts once for it; a
            # row stored twice counts twice, so a duplicated row changes the digest.
            own = text.filter(*[pl.col(c) != pl.col(column) for c in columns[:i]]) if i else text
            parts.append(
                own.select(
                    pl.col(column).alias("kommun"),
                    pl.lit(order).alias("order"),
                    pl.lit(name).alias("table"),
                    "line",
                )
            )
    if not parts:
        return {}
    grouped = (
        pl.concat(parts)
        .sort("kommun", "order", "line")
        .group_by("kommun", "order", "table", maintain_order=True)
        .agg(pl.col("line").str.join("\n"))
        .group_by("kommun", maintain_order=True)
        .agg(pl.concat_str("table", pl.lit("\n"), "line").str.join("\n").alias("text"))
    )
    return {
        kommun: hashlib.sha256(f"kommun {kommun}\n{text}".encode()).hexdigest()
        for kommun, text in grouped.iter_rows()
    }


def inputs_digest(blobs: Mapping[str, bytes | None]) -> str:
    """The digest of the inputs' stored Parquet, by kind (an input without one counts as empty)."""
    digest = hashlib.sha256()
    for kind in sorted(blobs):
        blob = blobs[kind] or b""
        digest.update(f"{kind} {hashlib.sha256(blob).hexdigest()}\n".encode())
    return digest.hexdigest()


def seal(run: Mapping[Any, Any], inputs: Sequence[Mapping[Any, Any]], digests: Mapping[str, str]) -> str:
    """The run's seal from its ``billing_run`` row, its ``run_input`` rows and its digests."""
    header = json.dumps(identity(run), sort_keys=True, ensure_ascii=False)
    listed = json.dumps(
        sorted([i["kind"], i["name"], i["sha256"], int(i["rows"])] for i in inputs), ensure_ascii=False
    )
    body = "\n".join(f"{code} {digests[code]}" for code in sorted(digests))
    return hashlib.sha256(f"hos_avtal seal v1\n{header}\n{listed}\n{body}".encode()).hexdigest()
