"""Instant sliders (issue 18): a stored dataset keeps its episodes' day histogram, made once when
it is stored, and a comparison on it reads that instead of the episodes — to the same öre."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from hos_avtal.scenarios import (
    EpisodeDays,
    ScenarioData,
    _datasets,
    compare,
    comparison_data,
    scenario_from_mapping,
)
from hos_avtal.scenarios._datasets import save_dataset
from hos_avtal.storage import Database, scenario_dataset_days
from hos_avtal.synth import month_range, synth_episodes
from test_storage import database, database_url  # noqa: F401  (fixtures)

EPISODES = synth_episodes(month_range("2023-01..2023-03"), episodes_per_month=600, seed=21)
AMOUNT = Decimal("9500")  # 2023 has no shipped fastställt belopp
BASES = ("vgr-2023", "lag-2017-612")
"""The agreement and the statute, whose conditions and pooled average differ."""
CHANGES: dict[str, Any] = {
    "average_threshold_days": st.sampled_from(["1.5", "2.5", "3.0", "4.2"]),
    "individual_after_days": st.integers(2, 12),
    "free_days": st.integers(0, 6),
    "daily_amount_sek": st.sampled_from(["9300", "10500.50"]),
    "separate_care_type_averages": st.booleans(),
}


def scenarios() -> st.SearchStrategy[list[dict[str, Any]]]:
    one = st.fixed_dictionaries({"base": st.sampled_from(BASES)}, optional=dict(CHANGES))
    return st.lists(one, min_size=1, max_size=3)


@settings(max_examples=max(8, settings().max_examples // 10), deadline=None)
@given(chosen=scenarios())
def test_a_comparison_from_the_day_histogram_equals_one_from_the_episodes(
    chosen: list[dict[str, Any]],
) -> None:
    variants = [
        scenario_from_mapping(
            {
                "name": f"s{i}",
                "base": c["base"],
                "betalningsansvar": {k: v for k, v in c.items() if k != "base"},
            }
        )
        for i, c in enumerate(chosen)
    ]
    by_episodes = compare(ScenarioData(episodes=EPISODES), variants, daily_amount_sek=AMOUNT)
    by_days = compare(ScenarioData(episode_days=EpisodeDays.of(EPISODES)), variants, daily_amount_sek=AMOUNT)
    assert by_days.amounts.equals(by_episodes.amounts)
    assert by_days.months == by_episodes.months
    assert by_days.municipalities().equals(by_episodes.municipalities())


def _stored(db: Database) -> int:
    return save_dataset(db, "Vår", {"episodes": EPISODES}, "test").id


def test_a_stored_dataset_is_compared_without_reading_an_episode(
    database: Database,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dataset = _stored(database)
    with database.read() as connection:
        kept = connection.execute(sa.select(scenario_dataset_days.c.rows)).scalars().all()
    assert len(kept) == 1
    assert 0 < kept[0] < EPISODES.height  # counts, far fewer rows than episodes
    calls: list[int] = []
    real = _datasets._episodes

    def counted(db: Database, dataset_id: int) -> pl.DataFrame:
        calls.append(dataset_id)
        return real(db, dataset_id)

    monkeypatch.setattr(_datasets, "_episodes", counted)
    data = comparison_data(database, dataset)
    lower = scenario_from_mapping(
        {"name": "2,5", "base": "vgr-2023", "betalningsansvar": {"average_threshold_days": "2.5"}}
    )
    result = compare(data, [lower], daily_amount_sek=AMOUNT)
    assert calls == []
    expected = compare(ScenarioData(episodes=real(database, dataset)), [lower], daily_amount_sek=AMOUNT)
    assert result.amounts.equals(expected.amounts)
    # Accrual while admitted needs the episodes themselves: they are read then, once.
    accruing = scenario_from_mapping(
        {"name": "Löpande", "base": "vgr-2023", "betalningsansvar": {"accrue_while_admitted": True}}
    )
    compare(data, [lower, accruing], daily_amount_sek=AMOUNT)
    assert calls == [dataset]


def test_a_dataset_stored_before_the_histogram_gets_it_at_its_first_comparison(
    database: Database,  # noqa: F811
) -> None:
    dataset = _stored(database)
    with database.write() as connection:
        connection.execute(sa.delete(scenario_dataset_days))
    data = comparison_data(database, dataset)
    assert data.episode_days is not None
    assert data.episode_days.frame.equals(EpisodeDays.of(data.read_episodes()).frame)  # type: ignore[misc]
    with database.read() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(scenario_dataset_days)).scalar() == 1


def test_deleting_a_dataset_deletes_its_histogram(database: Database) -> None:  # noqa: F811
    _datasets.delete_dataset(database, _stored(database))
    with database.read() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(scenario_dataset_days)).scalar() == 0


def test_the_histogram_holds_counts_never_an_id() -> None:
    frame = EpisodeDays.of(EPISODES).frame
    assert frame.columns == ["month", "kommun", "care_type", "days", "failed", "episodes"]
    assert (
        frame.get_column("episodes").sum() == EPISODES.filter(pl.col("discharge_date").is_not_null()).height
    )
    assert frame.height < EPISODES.height


def test_a_slider_move_after_the_first_reads_no_blob(
    database: Database,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hos_avtal.scenarios import dataset_summary

    summary = dataset_summary(database, _stored(database))
    reads: list[int] = []
    real = _datasets._comparison_data

    def counted(db: Database, dataset_id: int) -> ScenarioData:
        reads.append(dataset_id)
        return real(db, dataset_id)

    monkeypatch.setattr(_datasets, "_comparison_data", counted)
    first = comparison_data(database, summary)
    again = comparison_data(database, summary)
    assert reads == [summary.id]
    assert again.episode_days is first.episode_days
    # Another dataset (other content, so another digest) is read on its own.
    other = dataset_summary(
        database, save_dataset(database, "Annan", {"episodes": EPISODES.head(500)}, "test").id
    )
    comparison_data(database, other)
    assert reads == [summary.id, other.id]


def test_a_base_with_values_of_a_care_type_of_its_own_gives_the_engines_amounts(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_care_type_values import early_2020

    early_2020(tmp_path)  # psychiatry individual from day 7, no average of its own
    monkeypatch.setenv("HOS_AVTAL_RULESETS_DIR", str(tmp_path))
    episodes = synth_episodes(month_range("2020-01..2020-03"), episodes_per_month=800, seed=5)
    changes = ({"individual_after_days": 5}, {"free_days": 4}, {"average_threshold_days": "2.5"})
    scenarios = [
        scenario_from_mapping({"name": f"s{i}", "base": "vgr-2020q1", "betalningsansvar": change})
        for i, change in enumerate(changes)
    ]
    by_episodes = compare(ScenarioData(episodes=episodes), scenarios)
    by_days = compare(ScenarioData(episode_days=EpisodeDays.of(episodes)), scenarios)
    assert by_days.amounts.equals(by_episodes.amounts)


def test_a_newly_registered_fastställt_belopp_is_used_by_the_next_slider_move() -> None:
    from hos_avtal._types import Ore
    from hos_avtal.rules import RegisteredAmount, Registry, using_registry

    days = ScenarioData(episode_days=EpisodeDays.of(EPISODES))
    lower = scenario_from_mapping(
        {"name": "2,5", "base": "vgr-2023", "betalningsansvar": {"average_threshold_days": "2.5"}}
    )
    totals: list[int] = []
    for amount_ore in (950_000, 1_000_000, 950_000):
        entered = RegisteredAmount(
            2023, Ore(amount_ore), "test", "test", dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
        )
        with using_registry(Registry(daily_amounts={2023: entered})):
            totals.append(int(compare(days, [lower]).total()["base_ore"] or 0))
    assert totals[0] == totals[2] != totals[1]
    assert totals[1] > totals[0] > 0  # the same days, priced at the higher amount
