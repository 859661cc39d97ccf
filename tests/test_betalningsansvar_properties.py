"""Property-based tests: the polars engine against the plain-Python reference (tests/reference.py).

Random episode sets (a few party municipalities and some out-of-county ones, ready dates over a
few months, some still admitted, mostly-met conditions) and random parameters (threshold,
individual switch, free days, separate averages, accrual, odd daily amounts) are run through the
engine's own pieces — the same composition as ``calculate_betalningsansvar``, but with
parameters built directly — and every municipality field and episode line is compared with the
reference. Invariants that need no reference are separate properties.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from helpers import CARE_TYPE_VALUES
from hos_avtal._types import Ore
from hos_avtal.betalningsansvar import (
    BetalningsansvarResult,
    MonthRules,
    calculate_betalningsansvar,
    calculate_with_parameters,
    contract,
)
from hos_avtal.io._episodes import EPISODE_SCHEMA
from hos_avtal.municipalities import parties
from hos_avtal.rules import CONDITIONS, BetalningsansvarParameters, load_ruleset
from reference import (
    MUNICIPALITY_KEYS,
    REASONS,
    ReferenceMonth,
    last_day,
    reference_betalningsansvar,
    round_half_up,
)

RULESET = load_ruleset("vgr-2018")
BASE = RULESET.betalningsansvar("2022-03")
PARTY_CODES = {m.code for m in parties()}

PARTIES_USED = ("1480", "1401", "1438", "1490")
OUT_OF_COUNTY = ("0180", "1384")
MONTHS = (dt.date(2022, 2, 1), dt.date(2022, 3, 1), dt.date(2022, 4, 1))
FIRST_READY = dt.date(2022, 1, 15)
LAST_READY = dt.date(2022, 4, 30)

# ---------------------------------------------------------------------------------------------
# Running the engine with parameters of our own


def episodes_frame(episodes: Sequence[dict[str, Any]]) -> pl.DataFrame:
    """The episodes as the typed frame ``read_episodes`` would return."""
    columns = {name: [e.get(name) for e in episodes] for name in EPISODE_SCHEMA}
    return pl.DataFrame(columns, schema=EPISODE_SCHEMA)


def run_engine(
    episodes: Sequence[dict[str, Any]], params: Sequence[BetalningsansvarParameters]
) -> BetalningsansvarResult:
    """The engine with the month parameters given directly (no rule-set lookup)."""
    return calculate_with_parameters(episodes_frame(episodes), [MonthRules(RULESET, p) for p in params])


def engine_rows(result: BetalningsansvarResult, month: dt.date) -> dict[str, dict[str, Any]]:
    rows = result.municipalities.filter(pl.col("month") == month)
    return {r["kommun"]: {k: r[k] for k in MUNICIPALITY_KEYS} for r in rows.iter_rows(named=True)}


def engine_lines(result: BetalningsansvarResult, month: dt.date) -> dict[str, dict[str, Any]]:
    lines = {}
    for r in result.episode_lines(month).iter_rows(named=True):
        assert r["episode_id"] not in lines, f"two lines for {r['episode_id']} in {month}"
        lines[r["episode_id"]] = {
            "status": r["status"],
            "days": r["days"],
            "billable_days": r["billable_days"],
            "amount_ore": r["amount_ore"],
            "reasons": tuple(r["reasons"].split(";")) if r["reasons"] else (),
        }
    return lines


def comparable(lines: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Lines with reasons kept only where they are defined: on not-covered lines."""
    return {
        episode_id: {**line, "reasons": line["reasons"] if line["status"] == "not_covered" else ()}
        for episode_id, line in lines.items()
    }


def examples(dev_count: int) -> settings:
    """``dev_count`` examples in the dev profile (150 by default), scaled up in the ci profile."""
    return settings(max_examples=max(10, dev_count * settings().max_examples // 150))


# ---------------------------------------------------------------------------------------------
# Strategies

mostly_true = st.sampled_from([True, True, True, True, True, True, False])


@st.composite
def an_episode(
    draw: st.DrawFn, kommuner: Sequence[str] = PARTIES_USED + OUT_OF_COUNTY, max_days: int = 40
) -> dict[str, Any]:
    """One episode; ``days`` is mostly 0–10, up to ``max_days``; one in six still admitted."""
    ready = FIRST_READY + dt.timedelta(days=draw(st.integers(0, (LAST_READY - FIRST_READY).days)))
    short = st.integers(0, min(10, max_days))
    days = draw(st.one_of(short, short, st.integers(0, max_days)))
    still_admitted = draw(st.sampled_from([False, False, False, False, False, True]))
    sip_needed = draw(st.booleans())
    return {
        "kommun": draw(st.sampled_from(kommuner)),
        "care_type": draw(st.sampled_from(("somatik", "psykiatri"))),
        "hospital": draw(st.sampled_from((None, "SU", "NU", "SÄS"))),
        "ready_date": ready,
        "discharge_date": None if still_admitted else ready + dt.timedelta(days=days),
        "admission_notice": draw(mostly_true),
        "ready_notice": draw(mostly_true),
        "sip_needed": sip_needed,
        "sip_invited": draw(mostly_true) if sip_needed else draw(st.none() | st.booleans()),
        "outpatient_plan": draw(mostly_true),
        "outpatient_available": draw(mostly_true),
    }


def with_ids(episodes: list[dict[str, Any]], prefix: str = "e") -> list[dict[str, Any]]:
    return [{**e, "episode_id": f"{prefix}{i}", "person_id": f"p{i % 17}"} for i, e in enumerate(episodes)]


def episode_sets(
    kommuner: Sequence[str] = PARTIES_USED + OUT_OF_COUNTY, max_size: int = 60, max_days: int = 40
) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(an_episode(kommuner, max_days), max_size=max_size).map(with_ids)


THRESHOLDS = tuple(Decimal(t) for t in ("2", "2.5", "3.0", "3.25", "3.5", "4"))
INTEGER_THRESHOLDS = tuple(t for t in THRESHOLDS if t == t.to_integral_value())
DAILY_AMOUNTS = st.one_of(st.sampled_from([930000, 930001, 820000, 1, 3, 999_999]), st.integers(1, 5_000_000))


@st.composite
def parameters(
    draw: st.DrawFn, month: dt.date, thresholds: Sequence[Decimal] = THRESHOLDS
) -> BetalningsansvarParameters:
    conditions = draw(
        st.one_of(
            st.just(tuple(CONDITIONS)),
            st.lists(st.sampled_from(tuple(CONDITIONS)), unique=True).map(
                lambda cs: tuple(c for c in CONDITIONS if c in cs)
            ),
        )
    )
    return dataclasses.replace(
        BASE,
        month=month,
        average_threshold_days=draw(st.sampled_from(thresholds)),
        individual_after_days=draw(st.integers(3, 10)),
        free_days=draw(st.integers(0, 5)),
        separate_care_type_averages=draw(st.booleans()),
        accrue_while_admitted=draw(st.booleans()),
        daily_amount_ore=Ore(draw(DAILY_AMOUNTS)),
        conditions=conditions,
        # Mostly with a pooled average (every agreement), sometimes without (the statute).
        pooled_average=draw(st.sampled_from((True, True, True, False))),
        care_type_values=draw(CARE_TYPE_VALUES),
    )


@st.composite
def month_parameters(
    draw: st.DrawFn, thresholds: Sequence[Decimal] = THRESHOLDS
) -> list[BetalningsansvarParameters]:
    """Parameters for one to three consecutive months of ``MONTHS``, the same or each its own."""
    first = draw(st.integers(0, len(MONTHS) - 1))
    count = draw(st.integers(1, len(MONTHS) - first))
    months = MONTHS[first : first + count]
    if draw(st.booleans()):
        shared = draw(parameters(months[0], thresholds))
        return [dataclasses.replace(shared, month=m) for m in months]
    return [draw(parameters(m, thresholds)) for m in months]


def defaults(months: Sequence[dt.date] = MONTHS) -> list[BetalningsansvarParameters]:
    return [RULESET.betalningsansvar(m) for m in months]


MONEY = ("average_amount_ore", "individual_amount_ore", "total_amount_ore")


def money_columns(frame: pl.DataFrame) -> list[str]:
    """Every amount column, the per-care-type ones included."""
    return [c for c in frame.columns if "amount_ore" in c]


def amounts(result: BetalningsansvarResult) -> pl.DataFrame:
    frame = result.municipalities
    return frame.select("month", "kommun", *money_columns(frame))


# ---------------------------------------------------------------------------------------------
# The engine agrees with the reference


@given(episodes=episode_sets(), params=month_parameters())
def test_engine_matches_reference_for_every_municipality_and_episode(episodes, params):
    result = run_engine(episodes, params)
    for p in params:
        expected = reference_betalningsansvar(episodes, p.month, p, PARTY_CODES)
        assert engine_rows(result, p.month) == expected.municipalities, p
        assert comparable(engine_lines(result, p.month)) == comparable(expected.lines), p


@examples(30)
@given(episodes=episode_sets(), month=st.sampled_from(MONTHS))
def test_the_test_composition_equals_the_public_entry_point(episodes, month):
    """``run_engine`` must compose the engine as ``calculate_betalningsansvar`` does."""
    frame = episodes_frame(episodes)
    public = calculate_betalningsansvar(frame, month, ruleset="vgr-2018")
    ours = run_engine(episodes, [RULESET.betalningsansvar(month)])
    assert ours.municipalities.equals(public.municipalities)
    assert ours.outside_agreement.equals(public.outside_agreement)
    assert ours.episode_lines(month).equals(public.episode_lines(month))


@examples(30)
@given(episodes=episode_sets(), params=month_parameters())
def test_billed_months_with_a_gap_are_each_computed_as_if_alone(episodes, params):
    """February and April without March: each as alone, except the run of liable months."""
    apart = [p for p in params if p.month != MONTHS[1]]
    assume(apart)
    together = run_engine(episodes, apart)
    run_length = ("consecutive_liable_months", "recurring_liability")
    for p in apart:
        alone = run_engine(episodes, [p])
        month = pl.col("month") == p.month
        assert (
            together.municipalities.filter(month)
            .drop(run_length)
            .equals(alone.municipalities.drop(run_length))
        )
        assert together.outside_agreement.filter(month).equals(alone.outside_agreement)
        assert together.episode_lines(p.month).equals(alone.episode_lines(p.month))


# ---------------------------------------------------------------------------------------------
# Invariants


@examples(100)
@given(episodes=episode_sets(), params=month_parameters())
def test_total_is_pooled_plus_individual_per_municipality_and_in_totals(episodes, params):
    result = run_engine(episodes, params)
    for month in contract(result):
        for row in month["municipalities"]:
            assert Decimal(row["total_amount_sek"]) == Decimal(row["average_amount_sek"]) + Decimal(
                row["individual_amount_sek"]
            ), row["kommun"]
        totals = month["totals"]
        assert Decimal(totals["total_amount_sek"]) == Decimal(totals["average_amount_sek"]) + Decimal(
            totals["individual_amount_sek"]
        )
        for key in ("average_amount_sek", "individual_amount_sek", "total_amount_sek"):
            assert Decimal(totals[key]) == sum((Decimal(r[key]) for r in month["municipalities"]), Decimal(0))


@given(episodes=episode_sets(max_days=3))
def test_nothing_is_billed_when_no_episode_exceeds_three_days_under_default_parameters(episodes):
    result = run_engine(episodes, defaults())
    assert result.municipalities["total_amount_ore"].to_list() == [0] * 49 * len(MONTHS)
    assert result.municipalities["average_amount_ore"].to_list() == [0] * 49 * len(MONTHS)
    assert not result.municipalities["liable"].any()


@examples(75)
@given(
    episodes=episode_sets(),
    params=month_parameters(),
    flipped=an_episode(kommuner=PARTIES_USED),
    other_days=st.one_of(st.none(), st.integers(0, 40)),
    other_care_type=st.sampled_from(("somatik", "psykiatri")),
)
def test_a_not_covered_episode_never_changes_any_amount(
    episodes, params, flipped, other_days, other_care_type
):
    # The episode fails every condition, and every month requires at least one.
    params = [dataclasses.replace(p, conditions=p.conditions or ("admission_notice",)) for p in params]
    failing = {
        "sip_needed": True,
        "sip_invited": False,
        "admission_notice": False,
        "ready_notice": False,
        "outpatient_plan": False,
        "outpatient_available": False,
    }
    flipped = {**flipped, **failing, "episode_id": "not-covered", "person_id": "p-nc"}
    changed = {
        **flipped,
        "care_type": other_care_type,
        "discharge_date": None
        if other_days is None
        else flipped["ready_date"] + dt.timedelta(days=other_days),
    }
    before = run_engine([*episodes, flipped], params)
    after = run_engine([*episodes, changed], params)
    assert amounts(before).equals(amounts(after))
    without = run_engine(episodes, params)
    assert amounts(before).equals(amounts(without))


@examples(75)
@given(
    episodes=episode_sets(),
    params=month_parameters(thresholds=INTEGER_THRESHOLDS),
    factor=st.integers(2, 7),
)
def test_amounts_scale_exactly_with_the_daily_amount_when_the_threshold_is_whole_days(
    episodes, params, factor
):
    scaled = [dataclasses.replace(p, daily_amount_ore=factor * p.daily_amount_ore) for p in params]
    base = run_engine(episodes, params).municipalities
    bigger = run_engine(episodes, scaled).municipalities
    money = money_columns(base)
    assert set(MONEY) <= set(money)
    assert bigger.select(money).equals(base.select(pl.col(money) * factor))
    assert bigger.drop(money).equals(base.drop(money))


@examples(100)
@given(episodes=episode_sets(), params=month_parameters())
def test_every_month_has_exactly_the_49_parties_sorted_by_kommun(episodes, params):
    result = run_engine(episodes, params)
    frame = result.municipalities
    assert frame.height == 49 * len(params)
    assert frame.select("month", "kommun").equals(frame.select("month", "kommun").sort("month", "kommun"))
    for p in params:
        codes = frame.filter(pl.col("month") == p.month)["kommun"].to_list()
        assert codes == sorted(PARTY_CODES)
    for month in contract(result):
        assert [r["kommun"] for r in month["municipalities"]] == sorted(PARTY_CODES)


@examples(75)
@given(
    episodes=episode_sets(kommuner=PARTIES_USED),
    outsiders=episode_sets(kommuner=OUT_OF_COUNTY, max_size=20),
    params=month_parameters(),
)
def test_out_of_county_episodes_never_change_a_party_row(episodes, outsiders, params):
    outsiders = [{**e, "episode_id": f"out{e['episode_id']}"} for e in outsiders]
    alone = run_engine(episodes, params)
    mixed = run_engine([*episodes, *outsiders], params)
    assert mixed.municipalities.equals(alone.municipalities)
    for p in params:
        discharged = sum(
            1
            for e in outsiders
            if e["discharge_date"] is not None and p.month <= e["discharge_date"] <= last_day(p.month)
        )
        outside = mixed.outside_agreement.filter(pl.col("month") == p.month)
        assert int(outside["episodes"].sum()) == discharged


# ---------------------------------------------------------------------------------------------
# The reference itself, on cases worked out by hand (it is the oracle, so it is anchored too)


def _episode(days: int | None, ready: dt.date = dt.date(2022, 3, 1), **changes: Any) -> dict[str, Any]:
    episode = {
        "episode_id": "e",
        "person_id": "p",
        "kommun": "1480",
        "care_type": "somatik",
        "hospital": None,
        "ready_date": ready,
        "discharge_date": None if days is None else ready + dt.timedelta(days=days),
        "admission_notice": True,
        "ready_notice": True,
        "sip_needed": False,
        "sip_invited": None,
        "outpatient_plan": True,
        "outpatient_available": True,
    }
    return {**episode, **changes}


def _reference(episodes: list[dict[str, Any]], **changes: Any) -> ReferenceMonth:
    episodes = [{**e, "episode_id": f"e{i}"} for i, e in enumerate(episodes)]
    params = dataclasses.replace(BASE, **changes)
    return reference_betalningsansvar(episodes, dt.date(2022, 3, 1), params, PARTY_CODES)


def test_reference_pools_the_spec_example_into_one_liable_day():
    row = _reference([_episode(d) for d in (0, 2, 3, 5, 6)]).municipalities["1480"]
    assert (row["average_episodes"], row["average_days"], row["liable"]) == (5, 16, True)
    assert row["total_amount_ore"] == 930000


def test_reference_bills_days_after_the_free_days_of_an_individual_episode():
    month = _reference([_episode(10), _episode(7)])
    row = month.municipalities["1480"]
    assert (row["individual_episodes"], row["individual_billable_days"]) == (1, 7)
    assert (row["average_episodes"], row["average_days"], row["liable"]) == (1, 7, True)
    assert row["average_amount_ore"] == 4 * 930000
    assert month.lines["e0"]["status"] == "individual"
    assert month.lines["e1"]["status"] == "pooled"


def test_reference_rounds_a_fractional_pooled_amount_half_up_once():
    # 3 episodes, 10 days, threshold 3.25: 10 − 9.75 = 0.25 days × 2 öre = 0.5 öre → 1 öre.
    row = _reference(
        [_episode(d) for d in (3, 3, 4)], average_threshold_days=Decimal("3.25"), daily_amount_ore=2
    ).municipalities["1480"]
    assert row["average_amount_ore"] == 1
    assert round_half_up(Fraction(1, 2)) == 1
    assert round_half_up(Fraction(49, 100)) == 0


def test_reference_keeps_separate_averages_per_care_type_when_asked():
    episodes = [
        _episode(6, care_type="psykiatri"),
        _episode(0, care_type="somatik"),
        _episode(0, care_type="somatik"),
    ]
    joint = _reference(episodes).municipalities["1480"]
    separate = _reference(episodes, separate_care_type_averages=True).municipalities["1480"]
    assert (joint["liable"], joint["average_amount_ore"]) == (False, 0)
    assert (separate["liable"], separate["average_amount_ore"]) == (True, 3 * 930000)


def test_reference_lists_every_failed_condition_but_only_required_ones():
    episode = _episode(12, admission_notice=False, sip_needed=True, sip_invited=False)
    month = _reference([episode])
    assert month.lines["e0"]["reasons"] == (REASONS["admission_notice"], REASONS["sip_invited"])
    assert month.municipalities["1480"]["not_covered_episodes"] == 1
    relaxed = _reference([episode], conditions=("ready_notice",))
    assert relaxed.lines["e0"]["status"] == "individual"


def test_reference_counts_pending_and_outside_agreement_apart():
    month = _reference(
        [
            _episode(None),
            _episode(40, ready=dt.date(2022, 3, 20)),
            _episode(2, kommun="0180"),
            _episode(None, kommun="0180"),
            _episode(None, ready=dt.date(2022, 4, 1)),
        ]
    )
    assert month.municipalities["1480"]["pending_episodes"] == 2
    assert [line["status"] for line in month.lines.values()] == [
        "pending",
        "pending",
        "outside_agreement",
        "pending",
    ]
    assert set(month.municipalities) == PARTY_CODES


def test_reference_accrues_month_by_month_and_bills_the_rest_at_discharge():
    # Ready 2022-02-20, discharged 2022-04-10: 49 days, 46 billable in all (free days 3).
    # Through end of Feb: 8 days > 7 → 5 billed; through end of March: 39 → 36, so 31 in March;
    # April bills 46 − 36 = 10.
    episode = {**_episode(49, ready=dt.date(2022, 2, 20)), "episode_id": "long"}
    params = {m: dataclasses.replace(BASE, month=m, accrue_while_admitted=True) for m in MONTHS}
    lines = {
        m: reference_betalningsansvar([episode], m, params[m], PARTY_CODES).lines["long"] for m in MONTHS
    }
    assert [(lines[m]["days"], lines[m]["billable_days"]) for m in MONTHS] == [
        (8, 5),
        (39, 31),
        (49, 10),
    ]
    march = reference_betalningsansvar([episode], MONTHS[1], params[MONTHS[1]], PARTY_CODES)
    assert march.municipalities["1480"]["pending_episodes"] == 0
    assert march.municipalities["1480"]["individual_episodes"] == 1


def test_reference_reasons_match_the_engine_reason_codes():
    assert REASONS == CONDITIONS


# ---------------------------------------------------------------------------------------------
# Discrepancies the properties found, as plain examples


def test_an_episode_accruing_while_admitted_is_not_also_pending_when_its_discharge_is_known():
    """The smallest case the property above found: with accrual, a covered episode still admitted
    at the end of March is billed as individual in March and so is not pending, whether its
    discharge date is empty or already known (here 20 April)."""
    march = dataclasses.replace(BASE, accrue_while_admitted=True)
    known = _episode(50, ready=dt.date(2022, 3, 1), episode_id="e1")
    assert known["discharge_date"] == dt.date(2022, 4, 20)
    for episode in (known, {**known, "discharge_date": None}):
        result = run_engine([episode], [march])
        [line] = result.episode_lines(march.month).iter_rows(named=True)
        assert (line["status"], line["days"], line["billable_days"]) == ("individual", 30, 27)
        row = engine_rows(result, march.month)["1480"]
        assert row["individual_episodes"] == 1
        assert row["pending_episodes"] == 0, episode["discharge_date"]
