"""The betalningsansvar contract as JSON text, built column by column in polars: the one place
where the product writes JSON by hand, because it is the CLI's hot path.

``contract_json`` gives exactly ``json.dumps(obj, ensure_ascii=False)`` of each object of
:func:`~hos_avtal.betalningsansvar.contract` (a frame it does not know takes that plain path, so
the text never differs; ``tests/test_report_json.py`` holds the two equal). Why it exists, measured
side by side: ``python benchmarks/contract_text.py`` (figures in ``benchmarks/README.md``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from hos_avtal.betalningsansvar._engine import CARE_TYPES, REASONS
from hos_avtal.betalningsansvar._report import (
    _COUNTS,
    _MONEY,
    _average_of_hundredths,
    _hundredths_expr,
    _month_head,
    _totals_object,
    contract,
    episode_objects,
    liable_days,
)
from hos_avtal.betalningsansvar._result import BetalningsansvarResult
from hos_avtal.money import format_sek_expr


def contract_json(result: BetalningsansvarResult, *, episodes: bool = False) -> list[str]:
    """Each object of :func:`contract` as compact JSON text: ``json.dumps(obj, ensure_ascii=False)``.

    The same text, built column by column: every municipality row becomes one string in a single
    polars pass, and Python touches only distinct values (names, averages, liable days) and one
    header per month. On 2 352 rows this takes about 20 ms, against 70 ms for the dicts and
    ``json.dumps`` (more in a fresh process). A frame this builder does not know (a null cell,
    another dtype) takes the dict path, so the text never differs.
    """
    frames = (result.municipalities, result.outside_agreement)
    if any(_unusual(frame) for frame in frames):
        return [_dumps(obj) for obj in contract(result, episodes=episodes)]
    municipalities, outside = frames
    per_month = (
        municipalities.with_columns(_municipality_texts(municipalities).alias("_text"))
        .group_by("month", maintain_order=True)
        .agg(
            pl.col("_text").str.join(", "),
            pl.len().alias("_count"),
            (pl.col("total_amount_ore") == 0).sum().alias("_zero_invoices"),
            pl.col(*_TOTALLED).sum(),
        )
    )
    rows = {row["month"]: row for row in per_month.iter_rows(named=True)}
    outside_per_month = (
        outside.with_columns(_row_texts(outside, [c for c in outside.columns if c != "month"]).alias("_text"))
        .group_by("month", maintain_order=True)
        .agg(pl.col("_text").str.join(", "), pl.col("episodes", "days", "pending_episodes").sum())
    )
    no_outside = {"_text": "", "episodes": 0, "days": 0, "pending_episodes": 0}
    outside_rows = {row["month"]: row for row in outside_per_month.iter_rows(named=True)}
    texts = []
    for rules in result.months:
        month = rules.parameters.month
        row = rows[month]
        totals = _totals_object(row["_count"], row["_zero_invoices"], row)
        out = outside_rows.get(month, no_outside)
        text = (
            f'{_dumps(_month_head(rules))[:-1]}, "municipalities": [{row["_text"]}], '
            f'"totals": {_dumps(totals)}, '
            f'"outside_agreement": {{"episodes": {out["episodes"]}, "days": {out["days"]}, '
            f'"pending_episodes": {out["pending_episodes"]}, "by_kommun": [{out["_text"]}]}}}}'
        )
        if episodes:
            text = f'{text[:-1]}, "episodes": {_dumps(episode_objects(result.episode_lines(month)))}}}'
        texts.append(text)
    return texts


_TOTALLED = ("liable", "recurring_liability", *_COUNTS, *_MONEY)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _unusual(frame: pl.DataFrame) -> bool:
    """A null cell, or a column type :func:`_json_cells` has no exact twin for."""
    kinds = [dtype for name, dtype in frame.schema.items() if name != "month"]
    known = all(dtype.is_integer() or dtype in (pl.Boolean, pl.String) for dtype in kinds)
    return not known or any(frame.null_count().row(0))


def _municipality_texts(frame: pl.DataFrame) -> pl.Expr:
    """Each row of ``result.municipalities`` as the JSON text of :func:`_municipality_object`."""

    schema = frame.schema

    def cell(name: str) -> pl.Expr:
        return _json_cells(frame, name, schema[name])

    # Averages are floats in the contract; each distinct one is converted once, as Python would.
    parts: dict[str, str] = {"": "", **{c: f"_{c}" for c in CARE_TYPES}}
    hundredths = frame.select(
        _hundredths_expr(pl.col(f"average_days{suffix}"), pl.col(f"average_episodes{suffix}")).alias(
            part or "total"
        )
        for part, suffix in parts.items()
    )

    def average_text(part: str) -> pl.Expr:
        return pl.lit(_distinct_json(hundredths.get_column(part or "total"), _average_of_hundredths))

    pairs = frame.select("liable_units", "threshold_den").unique()
    pairs = pairs.with_columns(
        pl.Series("_text", [_dumps(liable_days(u, d)) for u, d in pairs.iter_rows()], dtype=pl.String)
    )
    liable_days_text = frame.join(
        pairs, on=["liable_units", "threshold_den"], how="left", maintain_order="left"
    )
    reasons = pl.concat_str(
        [
            pl.when(pl.col(f"not_covered_{r}") != 0).then(
                pl.concat_str(pl.lit(f"{_dumps(r)}: "), cell(f"not_covered_{r}"))
            )
            for r in REASONS
        ],
        separator=", ",
        ignore_nulls=True,
    )
    return _object_text(
        ("kommun", cell("kommun")),
        ("name", cell("name")),
        ("kommunalforbund", cell("kommunalforbund")),
        ("average_episodes", cell("average_episodes")),
        ("average_days", cell("average_days")),
        ("average", average_text("")),
        ("liable", cell("liable")),
        ("liable_days", pl.lit(liable_days_text.get_column("_text"))),
        ("average_amount_sek", _money_text("average_amount_ore")),
        ("individual_episodes", cell("individual_episodes")),
        ("individual_billable_days", cell("individual_billable_days")),
        ("individual_amount_sek", _money_text("individual_amount_ore")),
        ("total_amount_sek", _money_text("total_amount_ore")),
        ("zero_invoice", _bool_text(pl.col("total_amount_ore") == 0)),
        ("not_covered_episodes", cell("not_covered_episodes")),
        ("not_covered_reasons", pl.concat_str(pl.lit("{"), reasons, pl.lit("}"))),
        ("pending_episodes", cell("pending_episodes")),
        ("consecutive_liable_months", cell("consecutive_liable_months")),
        ("recurring_liability", cell("recurring_liability")),
        (
            "by_care_type",
            _object_text(
                *[
                    (
                        c,
                        _object_text(
                            ("average_episodes", cell(f"average_episodes_{c}")),
                            ("average_days", cell(f"average_days_{c}")),
                            ("average", average_text(c)),
                            ("individual_episodes", cell(f"individual_episodes_{c}")),
                            ("individual_billable_days", cell(f"individual_billable_days_{c}")),
                            ("individual_amount_sek", _money_text(f"individual_amount_ore_{c}")),
                            ("not_covered_episodes", cell(f"not_covered_episodes_{c}")),
                        ),
                    )
                    for c in CARE_TYPES
                ]
            ),
        ),
    )


def _row_texts(frame: pl.DataFrame, columns: Sequence[str]) -> pl.Expr:
    """Each row as the JSON text of the dict of ``columns``."""
    if not columns:
        return pl.lit("{}")
    schema = frame.schema
    return _object_text(*[(name, _json_cells(frame, name, schema[name])) for name in columns])


def _object_text(*fields: tuple[str, pl.Expr]) -> pl.Expr:
    """A JSON object of the fields' texts, spaced like ``json.dumps`` (``", "`` and ``": "``)."""
    pieces: list[pl.Expr] = []
    for i, (key, value) in enumerate(fields):
        pieces += [pl.lit(("{" if i == 0 else ", ") + _dumps(key) + ": "), value]
    return pl.concat_str([*pieces, pl.lit("}")])


def _json_cells(frame: pl.DataFrame, name: str, dtype: pl.DataType) -> pl.Expr:
    """A non-null column's cells as ``json.dumps`` writes them (see :func:`_unusual`)."""
    if dtype == pl.Boolean:
        return _bool_text(pl.col(name))
    if dtype == pl.String:
        return pl.lit(_distinct_json(frame.get_column(name), lambda text: text))
    return pl.col(name).cast(pl.String)


def _bool_text(condition: pl.Expr) -> pl.Expr:
    return pl.when(condition).then(pl.lit("true")).otherwise(pl.lit("false"))


def _money_text(column: str) -> pl.Expr:
    return pl.concat_str(pl.lit('"'), format_sek_expr(pl.col(column)), pl.lit('"'))


def _distinct_json(values: pl.Series, convert: Callable[[Any], Any]) -> pl.Series:
    """``json.dumps(convert(v))`` for every value, computed once per distinct value."""
    distinct = values.unique()
    texts = pl.Series([_dumps(convert(v)) for v in distinct.to_list()], dtype=pl.String)
    return values.replace_strict(distinct, texts, return_dtype=pl.String)
