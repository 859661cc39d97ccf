"""Property-based tests: the vectorised placement engine against the day-by-day reference.

Random placements (some acute, some ended, some starting or ending mid-month), random cost rows
in their months, and random agreements (every method, open and closed validity, decisions at
random dates, several per placement) go through validation and the engine with a random schablon
share and overdue limit; every line must equal ``tests/reference_placements.py``. Invariants that
need no reference are separate properties.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from hos_avtal.io import PlacementInputs, validate_placement_inputs
from hos_avtal.money import format_sek
from hos_avtal.placements import _engine, calculate_placements
from reference_placements import Agreement, Line, Placement, reference_placements

MONTHS = [dt.date(2024, m, 1) for m in range(1, 7)]
FIRST = dt.date(2023, 12, 1)
SHARES = (Fraction(1, 3), Fraction(33, 100), Fraction(0), Fraction(1), Fraction(7, 19))


def _month_end(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


@st.composite
def inputs(draw: st.DrawFn) -> tuple[list[Placement], list[tuple[str, dt.date, int]], list[Agreement]]:
    placements: list[Placement] = []
    costs: list[tuple[str, dt.date, int]] = []
    agreements: list[Agreement] = []
    for i in range(draw(st.integers(1, 4))):
        pid = f"P{i}"
        start = FIRST + dt.timedelta(days=draw(st.integers(0, 200)))
        length = draw(st.none() | st.integers(0, 150))
        end = None if length is None else start + dt.timedelta(days=length)
        placement = Placement(
            pid, draw(st.sampled_from(["1480", "1401", "1490"])), draw(st.sampled_from(["region", "kommun"])),
            start, end, draw(st.booleans()),
        )  # fmt: skip
        placements.append(placement)
        for month in MONTHS:
            overlaps = _month_end(month) >= start and (end is None or month <= end)
            if overlaps and draw(st.booleans()):
                cost = draw(st.integers(0, 20_000_000) | st.sampled_from([0, 1, 2, 3, 100, 10_000_000]))
                costs.append((pid, month, cost))
        decided_offsets = draw(st.lists(st.integers(0, 260), max_size=4, unique=True))
        for offset in decided_offsets:  # distinct decision days: no same-day overlap to reject
            valid_from = start + dt.timedelta(days=draw(st.integers(-20, 160)))
            span = draw(st.none() | st.integers(0, 90))
            method = draw(st.sampled_from(["schablon", "percent", "fixed"]))
            agreements.append(
                Agreement(
                    pid,
                    valid_from,
                    None if span is None else valid_from + dt.timedelta(days=span),
                    method,
                    FIRST + dt.timedelta(days=offset),
                    region_percent=Fraction(draw(st.integers(0, 10000)), 100)
                    if method == "percent"
                    else None,
                    fixed_party=draw(st.sampled_from(["region", "kommun"])) if method == "fixed" else None,
                    fixed_ore=draw(st.integers(0, 25_000_000)) if method == "fixed" else None,
                )
            )
    return placements, costs, agreements


def frames(
    placements: list[Placement], costs: list[tuple[str, dt.date, int]], agreements: list[Agreement]
) -> PlacementInputs:
    """The random inputs as the files would carry them (money and percentages as text), validated."""
    p = pl.DataFrame(
        [vars(x) for x in placements],
        schema={
            "placement_id": pl.String,
            "kommun": pl.String,
            "placed_by": pl.String,
            "start_date": pl.Date,
            "end_date": pl.Date,
            "acute": pl.Boolean,
        },
        orient="row",
    )
    c = pl.DataFrame(
        [(pid, m.strftime("%Y-%m"), format_sek(cost)) for pid, m, cost in costs],
        schema={"placement_id": pl.String, "month": pl.String, "cost_sek": pl.String},
        orient="row",
    )
    rows: list[dict[str, Any]] = [
        {
            "placement_id": a.placement_id,
            "valid_from": a.valid_from,
            "valid_to": a.valid_to,
            "method": a.method,
            "decided_date": a.decided_date,
            "region_percent": None if a.region_percent is None else f"{float(a.region_percent):.2f}",
            "fixed_party": a.fixed_party,
            "fixed_sek_per_month": None if a.fixed_ore is None else format_sek(a.fixed_ore),
        }
        for a in agreements
    ]
    a = pl.DataFrame(
        rows,
        schema={
            "placement_id": pl.String,
            "valid_from": pl.Date,
            "valid_to": pl.Date,
            "method": pl.String,
            "decided_date": pl.Date,
            "region_percent": pl.String,
            "fixed_party": pl.String,
            "fixed_sek_per_month": pl.String,
        },
    )
    return validate_placement_inputs(p, c, a)


def engine_lines(data: PlacementInputs, share: Fraction, overdue: int, as_of: dt.date | None) -> list[Line]:
    params = _engine.params_frame([(m, "test", share.numerator, share.denominator, overdue) for m in MONTHS])
    lines = _engine.split(data.placements.lazy(), data.costs.lazy(), data.agreements.lazy(), params, as_of)
    return [
        Line(
            r["placement_id"],
            r["kommun"],
            r["month"],
            r["cost_ore"],
            r["region_ore"],
            r["kommun_ore"],
            r["method"],
            tuple(r["flags"]),
        )
        for r in lines.iter_rows(named=True)
    ]


as_of_days = st.none() | st.integers(0, 270).map(lambda d: FIRST + dt.timedelta(days=d))


@given(inputs(), st.sampled_from(SHARES), st.integers(0, 60), as_of_days)
def test_engine_equals_reference(
    data: tuple[list[Placement], list[tuple[str, dt.date, int]], list[Agreement]],
    share: Fraction,
    overdue: int,
    as_of: dt.date | None,
) -> None:
    placements, costs, agreements = data
    expected = reference_placements(
        placements, costs, agreements, share=share, overdue_days=overdue, as_of=as_of
    )
    assert engine_lines(frames(placements, costs, agreements), share, overdue, as_of) == expected


@given(inputs(), st.sampled_from(SHARES), as_of_days)
def test_shares_always_sum_to_the_cost(
    data: tuple[list[Placement], list[tuple[str, dt.date, int]], list[Agreement]],
    share: Fraction,
    as_of: dt.date | None,
) -> None:
    lines = engine_lines(frames(*data), share, 30, as_of)
    assert len(lines) == len(data[1])
    for line in lines:
        assert line.region_ore + line.kommun_ore == line.cost_ore


@given(inputs(), as_of_days, as_of_days)
def test_adjustments_are_the_difference_of_two_as_of_runs(
    data: tuple[list[Placement], list[tuple[str, dt.date, int]], list[Agreement]],
    billed_as_of: dt.date | None,
    as_of: dt.date | None,
) -> None:
    placements, costs, agreements = data
    adjust_from = billed_as_of or dt.date(2030, 1, 1)
    result = calculate_placements(
        frames(placements, costs, agreements), months=MONTHS, as_of=as_of, adjust_from=adjust_from
    )
    billed = {
        (x.placement_id, x.month): x
        for x in reference_placements(placements, costs, agreements, as_of=adjust_from)
    }
    now = reference_placements(placements, costs, agreements, as_of=as_of)
    expected = [
        (x.month, x.placement_id, x.region_ore - billed[x.placement_id, x.month].region_ore,
         x.kommun_ore - billed[x.placement_id, x.month].kommun_ore)
        for x in now
        if x.region_ore != billed[x.placement_id, x.month].region_ore
    ]  # fmt: skip
    assert result.adjustments is not None
    assert (
        result.adjustments.select("month", "placement_id", "region_delta_ore", "kommun_delta_ore").rows()
        == expected
    )
    totals = result.adjustment_totals()
    assert totals["region_delta_ore"] == -totals["kommun_delta_ore"]
    assert sum(x.region_ore for x in now) == result.totals()["region_ore"]
