"""Conversions between the API's JSON and the core's frames and objects; no rules here.

Input arrays become frames that :mod:`hos_avtal.io` validates like a file, so every domain check
and every worded problem comes from there unchanged (``row`` is then the 1-based index in the
array). The stateless calculations get natively typed frames (:func:`typed_frame`: dates and
booleans pydantic has parsed already, so the readers' one-pass check of typed input applies); a
stored run gets all-text frames (:func:`rows_frame`), the shape it has always hashed and kept.
Output frames get money as two-decimal strings and dates as ISO text.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from operator import itemgetter
from types import NoneType
from typing import Annotated, Any, get_args, get_origin

import polars as pl
from pydantic import BaseModel

from hos_avtal.exports import InvoiceBasis, RunBasis
from hos_avtal.money import format_sek
from hos_avtal.runs import RunSummary, StoredRun


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def rows_frame(rows: Sequence[BaseModel], model: type[BaseModel]) -> pl.DataFrame:
    """An all-text frame of the rows, one column per field of ``model``."""
    columns = list(model.model_fields)
    data = {c: [_text(getattr(r, c)) for r in rows] for c in columns}
    return pl.DataFrame(data, schema=dict.fromkeys(columns, pl.String))


_NATIVE: dict[object, pl.DataType] = {
    str: pl.String(),
    bool: pl.Boolean(),
    int: pl.Int64(),
    dt.date: pl.Date(),
}


@functools.cache
def _dtypes(model: type[BaseModel]) -> dict[str, pl.DataType]:
    """Each field's polars type, from its annotation with ``| None`` and ``Annotated`` removed."""
    out: dict[str, pl.DataType] = {}
    for name, info in model.model_fields.items():
        kinds = [a for a in get_args(info.annotation) if a is not NoneType] or [info.annotation]
        kind = kinds[0] if len(kinds) == 1 else None
        if get_origin(kind) is Annotated:
            kind = get_args(kind)[0]
        if kind not in _NATIVE:
            raise TypeError(f"{model.__name__}.{name}: no polars type for {info.annotation!r}")
        out[name] = _NATIVE[kind]
    return out


def typed_frame(rows: Sequence[BaseModel], model: type[BaseModel]) -> pl.DataFrame:
    """The rows as a frame of native types (dates, booleans, integers, text), a column at a time.

    The readers accept it as they accept a Parquet file, with the same problems worded the same
    way; only their cell-by-cell parsing, already done by pydantic, is skipped.
    """
    dtypes = _dtypes(model)
    names = list(dtypes)
    if not rows:
        return pl.DataFrame(schema=dtypes)
    # A model keeps its fields in its __dict__: C-level item lookups, a column at a time.
    values = [r.__dict__ for r in rows]
    columns = [list(map(itemgetter(n), values)) for n in names]
    return pl.DataFrame([pl.Series(n, c, dtype=dtypes[n]) for n, c in zip(names, columns, strict=True)])


def sek(ore: int | None) -> str | None:
    return None if ore is None else format_sek(int(ore))


def frame_records(frame: pl.DataFrame | None) -> list[dict[str, Any]]:
    """Rows as JSON objects: ``*_ore`` columns become ``*_sek`` strings, dates ISO text."""
    if frame is None:
        return []
    exprs: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if name.endswith("_ore") and dtype.is_integer():
            whole = column.abs() // 100
            cents = (column.abs() % 100).cast(pl.String).str.zfill(2)
            sign = pl.when(column < 0).then(pl.lit("-")).otherwise(pl.lit(""))
            exprs.append(
                pl.concat_str(sign, whole.cast(pl.String), pl.lit("."), cents).alias(name[:-4] + "_sek")
            )
        elif dtype == pl.Date:
            exprs.append(column.dt.to_string("%Y-%m-%d"))
        elif dtype == pl.Datetime:
            exprs.append(column.dt.to_string("%Y-%m-%dT%H:%M:%S"))
        elif isinstance(dtype, pl.Enum | pl.Categorical):
            exprs.append(column.cast(pl.String))
        else:
            exprs.append(column)
    return frame.select(exprs).to_dicts() if exprs else []


def _ore_fields(obj: Any) -> dict[str, Any]:
    """A dataclass's scalar fields, ``*_ore`` as ``*_sek`` strings (frames are left out)."""
    out: dict[str, Any] = {}
    for name in obj.__dataclass_fields__:
        value = getattr(obj, name)
        if isinstance(value, pl.DataFrame):
            continue
        if name.endswith("_ore") and isinstance(value, int):
            out[name[:-4] + "_sek"] = format_sek(value)
        elif isinstance(value, dt.date | dt.datetime):
            out[name] = value.isoformat()
        else:
            out[name] = value
    return out


def run_municipalities(run: StoredRun, basis: RunBasis, kommun: str | None) -> list[dict[str, Any]]:
    """Per municipality: what it owes or receives in this run (only ``kommun``'s when given)."""
    rows = []
    for b in basis.bases:
        if kommun is not None and b.kommun != kommun:
            continue
        rows.append(
            {
                "kommun": b.kommun,
                "name": b.name,
                "betalningsansvar_sek": format_sek(b.betalningsansvar.total_amount_ore),
                "liable": b.betalningsansvar.liable,
                "placements_settlement_sek": sek(b.placements.settlement_ore) if b.placements else None,
                "home_care_net_sek": sek(b.home_care.net_ore) if b.home_care else None,
                "corrections_net_sek": format_sek(b.corrections.net_ore),
                "to_region_sek": format_sek(b.to_region_ore),
                "grand_total_sek": format_sek(b.grand_total_ore),
                "zero_invoice": b.betalningsansvar.zero_invoice,
                "consecutive_liable_months": run.recurring_liability.get(b.kommun, 0),
            }
        )
    return rows


def invoice_json(summary: RunSummary, basis: InvoiceBasis) -> dict[str, Any]:
    placements = basis.placements
    home_care = basis.home_care
    return {
        "run": summary.record(money="sek"),
        "kommun": basis.kommun,
        "name": basis.name,
        "kommunalforbund": basis.kommunalforbund,
        "draft": basis.run.is_draft,
        "betalningsansvar": _ore_fields(basis.betalningsansvar),
        "episodes": frame_records(basis.episodes),
        "placements": None
        if placements is None
        else {**_ore_fields(placements), "lines": frame_records(placements.lines)},
        "home_care": None
        if home_care is None
        else {
            **_ore_fields(home_care),
            "invoiced_lines": frame_records(home_care.invoiced_lines),
            "owed_lines": frame_records(home_care.owed_lines),
            "payments": frame_records(home_care.payments),
        },
        "accepted": frame_records(basis.accepted.drop("kommun", strict=False)),
        "corrections": {
            "net_sek": format_sek(basis.corrections.net_ore),
            "by_capability": {k: format_sek(v) for k, v in basis.corrections.by_capability.items()},
            "lines": frame_records(basis.corrections.lines),
        },
        "to_region_sek": format_sek(basis.to_region_ore),
        "grand_total_sek": format_sek(basis.grand_total_ore),
    }
