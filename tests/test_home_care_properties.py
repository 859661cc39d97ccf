"""Property-based tests of home care (docs/rules.md §6): the polars engine against the plain-Python reference
(tests/reference_home_care.py), and the netting and monotonicity invariants that need no reference.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from hos_avtal.errors import MissingParameterError
from hos_avtal.home_care import _engine, calculate_home_care, contract
from hos_avtal.home_care._netting import settle
from hos_avtal.municipalities import parties
from reference_home_care import MissingTariffsError, reference_home_care

PARTY_CODES = [m.code for m in parties()]
HOSTS = ("1480", "1486", "1435", "1427", "1490")
HOMES = ("1480", "1481", "1486", "1435", "1401", "0180", "1384")  # the last two are not parties
SERVICES = ("hemtjanst", "hemsjukvard")
DAYS = st.dates(dt.date(2022, 6, 1), dt.date(2022, 8, 31)) | st.dates(
    dt.date(2024, 1, 1), dt.date(2024, 2, 29)
)

VISIT_SCHEMA = {
    "visit_id": pl.String,
    "person_id": pl.String,
    "home_kommun": pl.String,
    "host_kommun": pl.String,
    "date": pl.Date,
    "service": pl.String,
    "minutes": pl.Int64,
}


@st.composite
def visit_rows(draw: st.DrawFn, max_size: int = 60) -> list[dict[str, Any]]:
    pairs = st.tuples(st.sampled_from(HOSTS), st.sampled_from(HOMES)).filter(lambda p: p[0] != p[1])
    rows = draw(
        st.lists(st.tuples(pairs, DAYS, st.sampled_from(SERVICES), st.integers(1, 1440)), max_size=max_size)
    )
    return [
        {
            "visit_id": f"v{i}",
            "person_id": f"p{i % 7}",
            "home_kommun": home,
            "host_kommun": host,
            "date": day,
            "service": service,
            "minutes": minutes,
        }
        for i, ((host, home), day, service, minutes) in enumerate(rows)
    ]


@st.composite
def own_tariffs(draw: st.DrawFn, complete: bool) -> dict[tuple[str, int, str], int]:
    """Own tariffs for some (host, year, service); with ``complete`` also every 2024 hemtjänst."""
    keys = st.tuples(st.sampled_from(HOSTS), st.sampled_from((2022, 2024)), st.sampled_from(SERVICES))
    # Öre per hour, within the plausibility limits (100–10 000 kr per hour).
    plausible = st.integers(10_000, 1_000_000)
    own = draw(st.dictionaries(keys, plausible, max_size=8))
    if complete:
        for host in HOSTS:
            own.setdefault((host, 2024, "hemtjanst"), draw(plausible))
    return own


def tariff_frame(own: dict[tuple[str, int, str], int]) -> pl.DataFrame:
    rows = [(k, y, s, f"{ore // 100}.{ore % 100:02d}") for (k, y, s), ore in own.items()]
    return pl.DataFrame(rows, schema=["kommun", "year", "service", "sek_per_hour"], orient="row")


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=VISIT_SCHEMA)


@given(visit_rows(), own_tariffs(complete=True))
def test_engine_equals_reference(rows: list[dict[str, Any]], own: dict[tuple[str, int, str], int]) -> None:
    expected = reference_home_care(rows, PARTY_CODES, own)
    if not rows:
        return
    result = calculate_home_care(frame(rows), tariffs=tariff_frame(own))
    assert result.months == list(expected)
    for month, ref in expected.items():
        lines = {
            (r["host"], r["home"], r["service"]): {
                k: r[k] for k in ("visits", "minutes", "tariff_ore", "amount_ore")
            }
            for r in result.lines.filter(pl.col("month") == month).to_dicts()
        }
        assert lines == ref.lines
        positions = {
            r["kommun"]: {k: r[k] for k in ("invoiced_ore", "owed_ore", "net_ore")}
            for r in result.municipalities.filter(pl.col("month") == month).to_dicts()
        }
        assert positions == ref.positions
        assert result.payments.filter(pl.col("month") == month).select(
            "payer", "payee", "amount_ore"
        ).rows() == (ref.payments)
        outside = {
            r["kommun"]: {"visits": r["visits"], "minutes": r["minutes"]}
            for r in result.outside_agreement.filter(pl.col("month") == month).to_dicts()
        }
        assert outside == ref.outside


@given(visit_rows(max_size=30), own_tariffs(complete=False))
def test_missing_tariffs_are_exactly_the_references(
    rows: list[dict[str, Any]], own: dict[tuple[str, int, str], int]
) -> None:
    try:
        reference_home_care(rows, PARTY_CODES, own)
        missing: set[tuple[str, int, str]] = set()
    except MissingTariffsError as error:
        missing = error.missing
    if not rows:
        return
    try:
        calculate_home_care(frame(rows), tariffs=tariff_frame(own))
        named: set[tuple[str, int, str]] = set()
    except MissingParameterError as error:
        named = {
            (code, int(year), service)
            for line in str(error).splitlines()
            if line.startswith("  ") and ":" in line
            for year, service in [line.strip().split(":")[0].split()]
            for code in [part.strip().split()[0] for part in line.split(":", 1)[1].split(",")]
        }
    assert named == missing


def check_settlement(positions: dict[str, int], payments: Sequence[tuple[str, str, int]]) -> None:
    """Every payment positive, from a debtor to a creditor; every position settled exactly."""
    nonzero = sum(1 for v in positions.values() if v)
    assert len(payments) <= max(0, nonzero - 1)
    paid: dict[str, int] = defaultdict(int)
    for payer, payee, amount in payments:
        assert amount > 0
        assert positions[payer] < 0 < positions[payee]
        paid[payer] -= amount
        paid[payee] += amount
    assert {k: v for k, v in paid.items() if v} == {k: v for k, v in positions.items() if v}


@st.composite
def balanced_positions(draw: st.DrawFn) -> dict[str, int]:
    codes = draw(st.lists(st.sampled_from(PARTY_CODES), min_size=1, max_size=49, unique=True))
    values = draw(st.lists(st.integers(-(10**9), 10**9), min_size=len(codes) - 1, max_size=len(codes) - 1))
    return dict(zip(codes, [*values, -sum(values)], strict=True))


@given(balanced_positions())
def test_settle_brings_every_position_to_zero_with_at_most_k_minus_1_payments(
    positions: dict[str, int],
) -> None:
    payments = settle(positions)
    check_settlement(positions, payments)
    assert settle(dict(reversed(list(positions.items())))) == payments  # independent of input order


@given(visit_rows(), own_tariffs(complete=True))
def test_positions_sum_to_zero_and_payments_settle_them(
    rows: list[dict[str, Any]], own: dict[tuple[str, int, str], int]
) -> None:
    if not rows:
        return
    result = calculate_home_care(frame(rows), tariffs=tariff_frame(own))
    for month_object in contract(result):
        positions = {m["kommun"]: _ore(m["net_sek"]) for m in month_object["municipalities"]}
        assert sum(positions.values()) == 0
        invoiced = sum(_ore(m["invoiced_sek"]) for m in month_object["municipalities"])
        assert invoiced == _ore(month_object["totals"]["amount_sek"])
        payments = [(p["payer"], p["payee"], _ore(p["amount_sek"])) for p in month_object["payments"]]
        check_settlement(positions, payments)


def _ore(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    whole, frac = text.lstrip("-").split(".")
    return sign * (int(whole) * 100 + int(frac))


def _line_amounts(minutes: list[int], tariffs_ore: list[int]) -> list[int]:
    """The engine's amount for each (minutes, tariff) pair, each on its own line (own host)."""
    hosts = PARTY_CODES[1 : 1 + len(minutes)]
    inside = pl.DataFrame(
        {
            "month": [dt.date(2022, 7, 1)] * len(minutes),
            "year": [2022] * len(minutes),
            "host": hosts,
            "home": [PARTY_CODES[0]] * len(minutes),
            "service": ["hemtjanst"] * len(minutes),
            "visits": [1] * len(minutes),
            "minutes": minutes,
        },
        schema_overrides={"year": pl.Int64, "visits": pl.Int64, "minutes": pl.Int64},
    )
    tariff = pl.DataFrame(
        {
            "host": hosts,
            "year": [2022] * len(minutes),
            "service": ["hemtjanst"] * len(minutes),
            "tariff_ore": tariffs_ore,
            "source": ["test"] * len(minutes),
        },
        schema=_engine.TARIFF_FRAME_SCHEMA,
    )
    lines = _engine.invoice_lines(inside, tariff)
    return [dict(zip(lines["host"], lines["amount_ore"], strict=True))[h] for h in hosts]


@given(
    st.integers(1, 10**6),
    st.integers(0, 10**4),
    st.integers(1, 10_000_000),
    st.integers(0, 10**6),
)
def test_amounts_are_monotone_in_minutes_and_tariff(
    minutes: int, more: int, tariff: int, higher: int
) -> None:
    base, more_minutes, higher_tariff, both = _line_amounts(
        [minutes, minutes + more, minutes, minutes + more], [tariff, tariff, tariff + higher, tariff + higher]
    )
    assert base <= more_minutes <= both
    assert base <= higher_tariff <= both
    assert base == (2 * minutes * tariff + 60) // 120  # minutes × tariff / 60, half up
