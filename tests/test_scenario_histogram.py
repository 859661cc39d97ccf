"""The histogram sweep of betalningsansvar against the engine run once per combination.

``sweep_betalningsansvar`` must give, for every combination of the grid, exactly what
``calculate_with_parameters`` gives with those parameters replaced into every month: the
property draws episodes over several months (party and non-party kommuner, both care types,
failed conditions, patients still admitted), base parameters per month and grids over random
subsets of the sweepable parameters, and compares öre for öre.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import CARE_TYPE_VALUES, episode, frame
from hos_avtal._types import Ore
from hos_avtal.betalningsansvar import MonthRules, calculate_with_parameters
from hos_avtal.errors import EpisodesNeededError
from hos_avtal.money import sek_to_ore
from hos_avtal.municipalities import parties
from hos_avtal.rules import CONDITIONS, BetalningsansvarParameters, load_ruleset
from hos_avtal.scenarios import _histogram as histogram
from hos_avtal.scenarios._days import CONDITION_BITS, OUTSIDE_AGREEMENT, EpisodeDays
from hos_avtal.scenarios._histogram import sweep_betalningsansvar, sweepable

VGR_2018 = load_ruleset("vgr-2018")
VGR_2023 = load_ruleset("vgr-2023")
MARCH = dt.date(2022, 3, 1)
PARTY_CODES = sorted(m.code for m in parties())
KOMMUNER = ("1480", "1401", "1438", "0180")  # 0180 (Stockholm) is not a party
MONTHS = (dt.date(2022, 2, 1), dt.date(2022, 3, 1), dt.date(2022, 4, 1))
FIRST_READY = dt.date(2022, 1, 10)


def base_months(*months: dt.date) -> list[MonthRules]:
    return [MonthRules(VGR_2018, VGR_2018.betalningsansvar(m)) for m in months or (MARCH,)]


def expected(
    episodes: pl.DataFrame, months: Sequence[MonthRules], grid: Sequence[Mapping[str, Any]]
) -> pl.DataFrame:
    """The definition: one engine run per combination, its columns renamed."""
    frames = []
    for index, combination in enumerate(grid):
        fields = dict(combination)
        if "daily_amount_sek" in fields:
            fields["daily_amount_ore"] = sek_to_ore(fields.pop("daily_amount_sek"))
        # A grid value holds for both care types, as a scenario's value does.
        scenario = [MonthRules(m.ruleset, m.parameters.with_values(**fields)) for m in months]
        rows = calculate_with_parameters(episodes, scenario).municipalities
        frames.append(
            rows.select(
                pl.lit(index, pl.Int64).alias("combination"),
                "month",
                "kommun",
                pl.col("average_amount_ore").alias("pooled_ore"),
                (pl.col("total_amount_ore") - pl.col("average_amount_ore")).alias("individual_ore"),
                pl.col("total_amount_ore").alias("amount_ore"),
            )
        )
    return pl.concat(frames)


def amounts(sweep: pl.DataFrame, kommun: str = "1480", month: dt.date = MARCH) -> list[tuple[int, int, int]]:
    """(pooled, individual, total) öre of one kommun and month, one tuple per combination."""
    rows = sweep.filter((pl.col("kommun") == kommun) & (pl.col("month") == month))
    return list(rows.select("pooled_ore", "individual_ore", "amount_ore").iter_rows())


# ---------------------------------------------------------------------------------------------
# Strategies (in the style of test_betalningsansvar_properties.py)

mostly_true = st.sampled_from([True, True, True, True, True, False])


@st.composite
def an_episode(draw: st.DrawFn) -> dict[str, Any]:
    """Mostly 0–10 days, sometimes up to 40; one in six still admitted; conditions mostly met."""
    ready = FIRST_READY + dt.timedelta(days=draw(st.integers(0, 105)))
    short = st.integers(0, 10)
    days = draw(st.one_of(short, short, st.integers(0, 40)))
    sip_needed = draw(st.booleans())
    return episode(
        "e",
        None if draw(st.sampled_from([False] * 5 + [True])) else days,
        kommun=draw(st.sampled_from(KOMMUNER)),
        ready=ready,
        care_type=draw(st.sampled_from(("somatik", "psykiatri"))),
        admission_notice=draw(mostly_true),
        ready_notice=draw(mostly_true),
        sip_needed=sip_needed,
        sip_invited=draw(mostly_true) if sip_needed else draw(st.none() | st.booleans()),
        outpatient_plan=draw(mostly_true),
        outpatient_available=draw(mostly_true),
    )


def episode_frames(max_size: int = 80) -> st.SearchStrategy[pl.DataFrame]:
    return st.lists(an_episode(), max_size=max_size).map(
        lambda es: frame(*({**e, "episode_id": f"e{i}", "person_id": f"p{i}"} for i, e in enumerate(es)))
    )


# Boundaries a small pool hits exactly (3 of 3 days, 10 of 4 episodes, 13 of 4) and the
# same number written differently, besides any threshold with two decimals.
THRESHOLDS = st.one_of(
    st.sampled_from([Decimal(t) for t in ("0", "2", "2.5", "3", "3.0", "3.00", "3.25", "3.33", "4")]),
    st.integers(0, 600).map(lambda hundredths: Decimal(hundredths).scaleb(-2)),
)
DAILY_AMOUNTS_SEK = st.one_of(  # within the plausibility limits, 1 000–100 000 kr
    st.sampled_from([Decimal("9300"), Decimal("1000.01"), Decimal("1000.03"), Decimal("9300.01")]),
    st.integers(100_000, 10_000_000).map(lambda ore: Decimal(ore).scaleb(-2)),
)
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "average_threshold_days": THRESHOLDS,
    "individual_after_days": st.integers(0, 12),
    "free_days": st.integers(0, 9),
    "daily_amount_sek": DAILY_AMOUNTS_SEK,
    "separate_care_type_averages": st.booleans(),
}


@st.composite
def grids(draw: st.DrawFn) -> list[dict[str, Any]]:
    names = draw(st.lists(st.sampled_from(sweepable()), unique=True))
    size = draw(st.integers(1, 6))
    return [{name: draw(VALUES[name]) for name in names} for _ in range(size)]


@st.composite
def month_rules(draw: st.DrawFn) -> list[MonthRules]:
    """One to three consecutive months, each with its own base parameters and conditions."""
    first = draw(st.integers(0, len(MONTHS) - 1))
    months = MONTHS[first : first + draw(st.integers(1, len(MONTHS) - first))]
    rules = []
    for month in months:
        conditions = draw(st.lists(st.sampled_from(tuple(CONDITIONS)), unique=True))
        parameters: BetalningsansvarParameters = dataclasses.replace(
            VGR_2018.betalningsansvar(month),
            average_threshold_days=draw(THRESHOLDS),
            individual_after_days=draw(st.integers(3, 10)),
            free_days=draw(st.integers(0, 5)),
            separate_care_type_averages=draw(st.booleans()),
            daily_amount_ore=Ore(draw(st.integers(1, 2_000_000))),
            conditions=tuple(c for c in CONDITIONS if c in conditions),
            pooled_average=draw(st.sampled_from((True, True, True, False))),
            care_type_values=draw(CARE_TYPE_VALUES),
        )
        rules.append(MonthRules(VGR_2018, parameters))
    return rules


# ---------------------------------------------------------------------------------------------
# The property


@settings(max_examples=max(10, settings().max_examples // 4))
@given(episodes=episode_frames(), months=month_rules(), grid=grids())
def test_the_sweep_equals_one_engine_run_per_combination_to_the_ore(episodes, months, grid):
    sweep = sweep_betalningsansvar(episodes, months, grid)
    assert sweep.equals(expected(episodes, months, grid))
    assert sweep_betalningsansvar(episodes, months, grid, by_month=False).equals(summed_over_months(sweep))
    # What a stored dataset keeps (the day histogram by unmet conditions) gives the same öre,
    # whichever conditions each month's rule set requires.
    assert sweep_betalningsansvar(EpisodeDays.of(episodes), months, grid).equals(sweep)


def summed_over_months(sweep: pl.DataFrame) -> pl.DataFrame:
    return (
        sweep.group_by("combination", "kommun", maintain_order=True)
        .agg(pl.col("pooled_ore", "individual_ore", "amount_ore").sum())
        .sort("combination", "kommun")
    )


# ---------------------------------------------------------------------------------------------
# Examples


def test_a_threshold_of_2_5_makes_a_3_day_average_liable():
    episodes = frame(episode("a", 3), episode("b", 3))
    grid = [{"average_threshold_days": Decimal("3.0")}, {"average_threshold_days": Decimal("2.5")}]
    sweep = sweep_betalningsansvar(episodes, base_months(), grid)
    # 6 days against 2 × 2.5 = 5: one liable day at 9 300 kr.
    assert amounts(sweep) == [(0, 0, 0), (930000, 0, 930000)]


def test_an_average_exactly_at_the_threshold_is_not_liable():
    episodes = frame(episode("a", 3), episode("b", 3), episode("c", 4), episode("d", 3))
    grid = [{"average_threshold_days": Decimal("3.25")}, {"average_threshold_days": Decimal("3.24")}]
    sweep = sweep_betalningsansvar(episodes, base_months(), grid)
    # 13 days over 4 episodes is 3.25; at 3.24 the excess is 0.04 days = 372 kr.
    assert amounts(sweep) == [(0, 0, 0), (37200, 0, 37200)]


def test_an_empty_mapping_means_the_base_parameters():
    episodes = frame(*(episode(f"e{d}", d) for d in (0, 2, 3, 5, 6, 12)))
    months = base_months(MARCH)
    sweep = sweep_betalningsansvar(episodes, months, [{}])
    assert sweep.equals(expected(episodes, months, [{}]))
    # docs/rules.md §4's example: 16 days over 5 episodes is one liable day; the 12-day stay pays 9.
    assert amounts(sweep) == [(930000, 9 * 930000, 10 * 930000)]


def test_an_empty_grid_gives_no_rows():
    sweep = sweep_betalningsansvar(frame(episode("a", 5)), base_months(), [])
    assert sweep.is_empty()
    assert sweep.columns == ["combination", "month", "kommun", "pooled_ore", "individual_ore", "amount_ore"]


def test_every_party_has_a_row_in_every_month_of_every_combination_sorted():
    months = base_months(*MONTHS)
    grid = [{"free_days": f} for f in (1, 2, 3)]
    sweep = sweep_betalningsansvar(frame(episode("a", 9)), months, grid)
    assert sweep.height == 3 * len(MONTHS) * 49
    assert sweep["kommun"].unique().sort().to_list() == PARTY_CODES
    assert sweep.equals(sweep.sort("combination", "month", "kommun"))
    assert sweep.schema == pl.Schema(
        {
            "combination": pl.Int64,
            "month": pl.Date,
            "kommun": pl.String,
            "pooled_ore": pl.Int64,
            "individual_ore": pl.Int64,
            "amount_ore": pl.Int64,
        }
    )


def test_a_later_switch_day_moves_a_long_stay_from_individual_billing_into_the_average():
    episodes = frame(episode("long", 9), episode("short", 1))
    sweep = sweep_betalningsansvar(episodes, base_months(), [{"individual_after_days": s} for s in (7, 9)])
    # After 7: 9 − 3 free days billed individually, the 1-day stay alone is under 3.0.
    # After 9: 10 days over 2 episodes, 4 days over the threshold of 3.0.
    assert amounts(sweep) == [(0, 6 * 930000, 6 * 930000), (4 * 930000, 0, 4 * 930000)]


def test_free_days_beyond_the_switch_day_leave_the_days_in_between_unbilled():
    episodes = frame(episode("a", 9), episode("b", 12))
    sweep = sweep_betalningsansvar(episodes, base_months(), [{"individual_after_days": 7, "free_days": 10}])
    assert amounts(sweep) == [(0, 2 * 930000, 2 * 930000)]


def test_separate_averages_make_a_slow_psychiatric_pool_liable_on_its_own():
    episodes = frame(episode("p", 6, care_type="psykiatri"), episode("s1", 0), episode("s2", 0))
    grid = [{"separate_care_type_averages": False}, {"separate_care_type_averages": True}]
    sweep = sweep_betalningsansvar(episodes, base_months(), grid)
    assert amounts(sweep) == [(0, 0, 0), (3 * 930000, 0, 3 * 930000)]


def test_the_daily_amount_is_swept_in_kronor_and_rounded_half_up_once_per_pool():
    episodes = frame(episode("a", 3), episode("b", 3), episode("c", 4))
    grid = [
        {"average_threshold_days": Decimal("3.25"), "daily_amount_sek": Decimal(sek)}
        for sek in ("1000.02", "1000.01")
    ]
    sweep = sweep_betalningsansvar(episodes, base_months(), grid)
    # 10 − 9.75 = 0.25 days: × 100 002 öre = 25 000.5 öre → 25 001; × 100 001 öre = 25 000.25 → 25 000.
    assert amounts(sweep) == [(25001, 0, 25001), (25000, 0, 25000)]


def test_episodes_of_a_non_party_failed_conditions_or_still_admitted_are_never_billed():
    episodes = frame(
        episode("outside", 20, kommun="0180"),
        episode("no-notice", 20, admission_notice=False),
        episode("still-admitted", None),
    )
    sweep = sweep_betalningsansvar(episodes, base_months(), [{"free_days": 0}, {}])
    assert sweep["amount_ore"].sum() == 0
    assert "0180" not in sweep["kommun"].to_list()


def test_months_of_two_rule_sets_each_keep_their_own_parameters_and_conditions():
    december, january = dt.date(2022, 12, 1), dt.date(2023, 1, 1)
    months = [
        MonthRules(VGR_2018, VGR_2018.betalningsansvar(december)),
        MonthRules(
            VGR_2023,
            dataclasses.replace(
                VGR_2023.betalningsansvar(january, daily_amount_sek=Decimal("9500")),
                conditions=("ready_notice",),
            ),
        ),
    ]
    episodes = frame(
        *(
            episode(f"{ready}-{name}", days, ready=ready, admission_notice=False)
            for ready in (dt.date(2022, 12, 5), dt.date(2023, 1, 5))
            for name, days in (("a", 4), ("b", 5), ("c", 11))
        )
    )
    grid = [{}, {"average_threshold_days": Decimal("4.5"), "free_days": 5}]
    sweep = sweep_betalningsansvar(episodes, months, grid)
    assert sweep.equals(expected(episodes, months, grid))
    # December requires the admission notice nobody sent; January does not.
    assert amounts(sweep, month=december) == [(0, 0, 0), (0, 0, 0)]
    assert amounts(sweep, month=january) == [
        (3 * 950000, 8 * 950000, 11 * 950000),
        (0, 6 * 950000, 6 * 950000),
    ]


def test_months_that_accrue_while_admitted_fall_back_to_the_engine_per_combination():
    months = [
        MonthRules(VGR_2018, dataclasses.replace(VGR_2018.betalningsansvar(m), accrue_while_admitted=True))
        for m in MONTHS
    ]
    # Ready in February, still admitted: with accrual February and March bill it as it goes.
    episodes = frame(
        episode("waiting", None, ready=dt.date(2022, 2, 10)),
        episode("a", 4, ready=dt.date(2022, 3, 3)),
        episode("b", 20, ready=dt.date(2022, 3, 20)),
    )
    grid = [{"free_days": 3}, {"free_days": 6, "individual_after_days": 10}]
    sweep = sweep_betalningsansvar(episodes, months, grid)
    assert sweep.equals(expected(episodes, months, grid))
    assert amounts(sweep, month=dt.date(2022, 2, 1))[0][1] > 0
    assert sweep_betalningsansvar(episodes, months, grid, by_month=False).equals(summed_over_months(sweep))


def test_accrual_needs_the_episodes_not_their_day_histogram():
    months = [
        MonthRules(
            VGR_2018, dataclasses.replace(VGR_2018.betalningsansvar(MARCH), accrue_while_admitted=True)
        )
    ]
    days = EpisodeDays.of(frame(episode("a", 4, ready=dt.date(2022, 3, 3))))
    with pytest.raises(EpisodesNeededError):
        sweep_betalningsansvar(days, months, [{}])


def test_the_day_histogram_counts_each_unmet_condition_in_its_bit():
    episodes = frame(
        episode("met", 4), episode("late notice", 4, ready_notice=False),
        episode("no plan, no notice", 9, outpatient_plan=False, admission_notice=False),
        episode("stockholm", 4, kommun="0180"),
    )  # fmt: skip
    rows = EpisodeDays.of(episodes).frame.select("days", "failed", "episodes").sort("failed").rows()
    bits = CONDITION_BITS
    assert rows == [
        (4, 0, 1), (4, bits["ready_notice"], 1), (9, bits["admission_notice"] | bits["outpatient_plan"], 1),
        (4, OUTSIDE_AGREEMENT, 1),  # kept for its month, never covered
    ]  # fmt: skip


def test_the_python_integer_path_for_huge_inputs_gives_the_same_amounts(monkeypatch):
    # Real data never comes near 2**62 (daily amounts are capped), so lower the guard instead.
    episodes = frame(*(episode(f"e{d}", d, care_type=("somatik", "psykiatri")[d % 2]) for d in range(15)))
    grid = [
        {"average_threshold_days": Decimal(t), "separate_care_type_averages": s, "free_days": f}
        for t, s, f in (("3.25", True, 2), ("2.33", False, 9), ("0", True, 0))
    ]
    in_int64 = sweep_betalningsansvar(episodes, base_months(), grid)
    monkeypatch.setattr(histogram, "_INT64_SAFE", 0)
    in_python = sweep_betalningsansvar(episodes, base_months(), grid)
    assert in_python.equals(in_int64)
    assert in_python.equals(expected(episodes, base_months(), grid))


@pytest.mark.parametrize(
    ("combination", "message"),
    [
        ({"accrue_while_admitted": True}, "kan inte svepas"),
        ({"free_days": 2.0}, "free_days"),
        ({"daily_amount_sek": Decimal("0.001")}, "daily_amount_sek"),
    ],
)
def test_a_grid_value_that_is_not_a_sweepable_parameter_of_the_right_type_is_refused(combination, message):
    with pytest.raises(ValueError, match=message):
        sweep_betalningsansvar(frame(episode("a", 3)), base_months(), [combination])
