"""Corrections reconcile: version N's correction lines itemise every difference against the last
final version, so for each municipality (and in total) they sum exactly to the change of what it
pays — in the stored lines, in the invoice basis, and in every export format.

The property test draws pairs of versions from the three capabilities' generators: a version 2
with episodes gone, episodes that waited longer, costs that changed and visits that moved.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hos_avtal.betalningsansvar import calculate_betalningsansvar
from hos_avtal.exports import build_run_basis, export_run
from hos_avtal.home_care import calculate_home_care
from hos_avtal.municipalities import parties
from hos_avtal.placements import calculate_placements
from hos_avtal.runs import RunSummary, StoredRun, corrections
from hos_avtal.runs._corrections import CORRECTION_SCHEMA, stored_frames
from hos_avtal.synth import month_range, synth_episodes, synth_placements, synth_visits
from test_exports import pdf_text, read_xlsx

MONTH = dt.date(2024, 6, 1)
TARIFFS = pl.DataFrame(
    [(m.code, 2024, s, "560.00") for m in parties() for s in ("hemtjanst", "hemsjukvard")],
    schema=["kommun", "year", "service", "sek_per_hour"],
    orient="row",
)


def _every(k: int, offset: int) -> pl.Expr:
    return (pl.int_range(pl.len()) + offset) % k == 0


def version(
    seed: int, *, drop: int = 0, longer: int = 0, costlier: int = 0, moved: int = 0
) -> dict[str, pl.DataFrame | None]:
    """The frames a run of June 2024 stores, from the generators; the keyword arguments make a
    later version: every ``drop``-th episode gone, every ``longer``-th waiting two days more,
    every ``costlier``-th cost 1 234.56 kr higher, every ``moved``-th visit's home changed."""
    months = month_range("2024-06")
    episodes = synth_episodes(months, episodes_per_month=250, seed=seed)
    placements, costs, agreements = synth_placements(months, placements=30, seed=seed)
    visits = synth_visits(months, visits_per_month=80, seed=seed)
    if drop:
        episodes = episodes.filter(~_every(drop, 1))
    if longer:
        later = pl.col("discharge_date") + pl.duration(days=2)
        episodes = episodes.with_columns(
            pl.when(_every(longer, 2) & (later.dt.month() == 6))
            .then(later)
            .otherwise(pl.col("discharge_date"))
        )
    if costlier:
        higher = (pl.col("cost_sek").cast(pl.Decimal(14, 2)) + pl.lit(1234.56).cast(pl.Decimal(14, 2))).cast(
            pl.String
        )
        costs = costs.with_columns(
            pl.when(_every(costlier, 0)).then(higher).otherwise(pl.col("cost_sek")).alias("cost_sek")
        )
    if moved:
        other = pl.when(pl.col("host_kommun") == "1480").then(pl.lit("1401")).otherwise(pl.lit("1480"))
        visits = visits.with_columns(
            pl.when(_every(moved, 0)).then(other).otherwise(pl.col("home_kommun")).alias("home_kommun")
        )
        visits = visits.filter(pl.col("home_kommun") != pl.col("host_kommun"))
    ba = calculate_betalningsansvar(episodes, MONTH, ruleset="vgr-2023", daily_amount_sek="9300")
    split = calculate_placements(placements, costs, agreements, months=MONTH, ruleset="vgr-2023")
    care = calculate_home_care(visits, MONTH, tariffs=TARIFFS)
    return {
        "betalningsansvar": ba.municipalities,
        "episode_lines": ba.episode_lines(MONTH),
        "placement_lines": split.lines,
        "placement_municipalities": split.municipalities,
        "home_care_lines": care.lines,
        "home_care_municipalities": care.municipalities,
        "home_care_payments": care.payments,
    }


def stored(frames: dict[str, pl.DataFrame | None], version_: int, changed: pl.DataFrame) -> StoredRun:
    summary = RunSummary(
        id=version_, month=MONTH, version=version_, state="draft", ruleset_id="vgr-2023",
        ruleset_hash="r", inputs_hash="i", code_version="0.1.0", created_by="test",
        created_at=dt.datetime(2024, 7, 1, tzinfo=dt.UTC), daily_amount_ore=930000,
        corrects_run_id=version_ - 1 if version_ > 1 else None,
    )  # fmt: skip
    betalningsansvar, lines = frames["betalningsansvar"], frames["episode_lines"]
    assert betalningsansvar is not None
    assert lines is not None
    return StoredRun(
        summary=summary,
        inputs=[],
        betalningsansvar=betalningsansvar,
        episode_lines=lines,
        corrections=changed,
        placement_lines=frames["placement_lines"],
        placement_municipalities=frames["placement_municipalities"],
        home_care_lines=frames["home_care_lines"],
        home_care_municipalities=frames["home_care_municipalities"],
        home_care_payments=frames["home_care_payments"],
    )


def check_reconciles(v1: StoredRun, v2: StoredRun) -> dict[str, int]:
    """The property: per municipality and in total, the lines sum to the change of the grand
    total; returns each municipality's correction."""
    before = {b.kommun: b.grand_total_ore for b in build_run_basis(v1).bases}
    bases = build_run_basis(v2).bases
    lines = v2.corrections.group_by("kommun").agg(pl.col("delta_ore").sum())
    by_lines = dict(lines.rows())
    for b in bases:
        change = b.grand_total_ore - before[b.kommun]
        assert b.corrections.net_ore == change, b.kommun
        assert by_lines.get(b.kommun, 0) == change, b.kommun
        assert sum(b.corrections.by_capability.values()) == change
    # No line belongs to a municipality outside the agreement, so the total reconciles too.
    assert set(by_lines) <= {b.kommun for b in bases}
    assert int(v2.corrections["delta_ore"].sum()) == sum(b.grand_total_ore for b in bases) - sum(
        before.values()
    )
    return {b.kommun: b.corrections.net_ore for b in bases}


@settings(max_examples=25)
@given(
    seed=st.integers(0, 10_000),
    drop=st.sampled_from([0, 3, 7, 50]),
    longer=st.sampled_from([0, 2, 5]),
    costlier=st.sampled_from([0, 1, 4]),
    moved=st.sampled_from([0, 3, 10]),
)
def test_correction_lines_sum_to_the_change_of_every_grand_total(
    seed: int, drop: int, longer: int, costlier: int, moved: int
) -> None:
    first = version(seed)
    second = version(seed, drop=drop, longer=longer, costlier=costlier, moved=moved)
    changed = corrections(first, second)
    v1 = stored(first, 1, pl.DataFrame(schema=CORRECTION_SCHEMA))
    v2 = stored(second, 2, changed)
    check_reconciles(v1, v2)
    # A version identical to the last final one corrects nothing.
    assert corrections(stored_frames(v1), stored_frames(v1)).height == 0


def test_the_pooled_part_is_itemised_with_its_n_and_d() -> None:
    first = version(1)
    second = version(1, drop=3)
    changed = corrections(first, second)
    pooled = changed.filter(pl.col("line_key") == "pooled")
    assert pooled.height > 0
    assert pooled["previous_episodes"].null_count() == 0
    assert (pooled["previous_episodes"] > pooled["current_episodes"]).all()  # episodes were dropped
    # Only pooled lines carry N and D.
    assert changed.filter(pl.col("line_key") != "pooled")["previous_episodes"].null_count() == (
        changed.height - pooled.height
    )


def test_every_export_format_states_the_itemised_sum(tmp_path: Path) -> None:
    first = version(4)
    second = version(4, drop=3, longer=2, costlier=2, moved=3)
    changed = corrections(first, second)
    v1 = stored(first, 1, pl.DataFrame(schema=CORRECTION_SCHEMA))
    v2 = stored(second, 2, changed)
    expected = check_reconciles(v1, v2)
    paths = export_run(v2, tmp_path)
    corrected = [k for k, v in expected.items() if v][:6]
    assert corrected
    for kommun in corrected:
        csv = pl.read_csv(
            next(p for p in paths if f"-{kommun}-" in p.name and p.suffix == ".csv"), infer_schema=False
        )
        lines = csv.filter(pl.col("section") == "correction")
        total = csv.filter((pl.col("section") == "total") & (pl.col("line_key") == "correction"))[
            "amount_sek"
        ]
        in_ore = lines.select(
            (pl.col("delta_sek").str.replace(".", "", literal=True).cast(pl.Int64)).sum()
        ).item()
        assert in_ore == expected[kommun] == int(total.item().replace(".", ""))
        book = read_xlsx(next(p for p in paths if f"-{kommun}-" in p.name and p.suffix == ".xlsx"))
        deltas = [v for (r, c), v in book["Rättelser"].items() if c == 5 and r >= 2]
        assert round(sum(float(v) for v in deltas) * 100) == expected[kommun]
        text = pdf_text(next(p for p in paths if f"-{kommun}-" in p.name and p.suffix == ".pdf").read_bytes())
        assert "Genomsnittsdel" in text or "pooled" not in set(lines["line_key"])
    summary = pl.read_csv(
        next(p for p in paths if p.name.startswith("sammanstallning") and p.suffix == ".csv")
    )
    by_kommun = dict(summary.select(pl.col("kommun").cast(pl.String).str.zfill(4), "correction_sek").rows())
    assert {k: round(float(v) * 100) for k, v in by_kommun.items() if k in corrected} == {
        k: expected[k] for k in corrected
    }


@pytest.mark.parametrize("capability", ["betalningsansvar", "placements", "home_care"])
def test_each_capability_changes_alone_and_still_reconciles(capability: str) -> None:
    change = {"betalningsansvar": {"drop": 4}, "placements": {"costlier": 1}, "home_care": {"moved": 2}}
    first, second = version(8), version(8, **change[capability])
    changed = corrections(first, second)
    assert set(changed["capability"]) == {capability}
    check_reconciles(stored(first, 1, pl.DataFrame(schema=CORRECTION_SCHEMA)), stored(second, 2, changed))
