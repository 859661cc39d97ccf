"""Billing runs as the invoicing clerk sees them: versions with credit and debit correction lines
after a final run, recurring liability across final months, and a month with all three inputs.

Every test runs on SQLite and, with ``HOS_AVTAL_TEST_POSTGRES_URL`` set, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

import test_storage
from helpers import episode, frame
from hos_avtal.errors import InputError
from hos_avtal.municipalities import parties
from hos_avtal.runs import billed_lines, execute_run, run_month, stored_frames
from hos_avtal.storage import Database, finalize, load_run, recurring_liability
from hos_avtal.synth import month_range, synth_placements

# The storage tests' fixtures: every test here runs on SQLite and PostgreSQL.
database, database_url = test_storage.database, test_storage.database_url

GBG, HARRYDA, DALS_ED = "1480", "1401", "1438"


def write(tmp_path: Path, name: str, *episodes: dict[str, object]) -> Path:
    path = tmp_path / name
    frame(*episodes).write_csv(path)
    return path


def june(i: int, days: int, kommun: str = GBG) -> dict[str, object]:
    return episode(f"e{i}", days, kommun=kommun, ready=dt.date(2022, 6, 1))


def test_changed_inputs_after_a_final_run_give_version_2_with_credits_and_debits(
    database: Database, tmp_path: Path
) -> None:
    # Version 1: Göteborg pooled 0,2,3,5,6 (average 3.2 → 1 day), Härryda individual 10 days.
    v1_path = write(
        tmp_path, "v1.csv", *[june(i, d) for i, d in enumerate([0, 2, 3, 5, 6])], june(9, 10, HARRYDA)
    )
    v1 = run_month(database, "2022-06", v1_path)
    assert (v1.version, v1.state, v1.corrects_run_id) == (1, "draft", None)
    finalize(database, v1.id, "clerk")

    # New data: e4 waited 8 days (now individual: 5 billable days), Härryda's episode was really
    # 9 days, and a Dals-Ed episode of 12 days arrived late.
    v2_path = write(
        tmp_path, "v2.csv",
        *[june(i, d) for i, d in enumerate([0, 2, 3, 5, 8])], june(9, 9, HARRYDA), june(20, 12, DALS_ED),
    )  # fmt: skip
    v2 = run_month(database, "2022-06", v2_path)
    assert (v2.version, v2.corrects_run_id) == (2, v1.id)
    stored = load_run(database, v2.id)
    got = {(r["capability"], r["kommun"], r["line_key"]): r for r in stored.corrections.iter_rows(named=True)}
    day = 930000

    def delta(kommun: str, key: str) -> tuple[int, int, int]:
        r = got[("betalningsansvar", kommun, key)]
        return r["previous_ore"], r["current_ore"], r["delta_ore"]

    # Göteborg: the pool 0,2,3,5,6 (N 5, D 16: 1 day) became 0,2,3,5 (N 4, D 10: nothing), and e4
    # became individual for 5 days: +4 days, itemised as the pool's −1 and e4's +5.
    assert delta(GBG, "pooled") == (day, 0, -day)
    pool = got[("betalningsansvar", GBG, "pooled")]
    assert (pool["previous_episodes"], pool["current_episodes"]) == (5, 4)
    assert (pool["previous_days"], pool["current_days"]) == (16, 10)
    assert delta(GBG, "e4") == (0, 5 * day, 5 * day)
    assert delta(HARRYDA, "e9") == (7 * day, 6 * day, -day)  # a credit
    assert delta(DALS_ED, "e20") == (0, 9 * day, 9 * day)
    assert len(got) == 4  # nothing unchanged is listed, and no line is a total

    # Per municipality the lines sum exactly to the change of what the two versions bill.
    first = load_run(database, v1.id).betalningsansvar
    previous = first.select("kommun", pl.col("total_amount_ore").alias("v1"))
    change = (
        stored.betalningsansvar.join(previous, on="kommun")
        .select("kommun", (pl.col("total_amount_ore") - pl.col("v1")).alias("change"))
        .filter(pl.col("change") != 0)
    )
    lines = stored.corrections.group_by("kommun").agg(pl.col("delta_ore").sum().alias("change"))
    assert dict(change.rows()) == dict(lines.rows()) == {GBG: 4 * day, HARRYDA: -day, DALS_ED: 9 * day}
    assert billed_lines(stored_frames(stored)).filter(pl.col("line_key") == "total").height == 0

    # A final version 1 is untouched; a third version corrects against version 2 once it is final.
    assert load_run(database, v1.id).summary.state == "final"
    finalize(database, v2.id, "clerk")
    v3 = run_month(database, "2022-06", v1_path)  # back to the first data: identical to v1
    assert v3.id == v1.id  # identical inputs: the stored run, not a new invoice


def test_a_first_run_corrects_nothing_and_drafts_share_version_1(database: Database, tmp_path: Path) -> None:
    a = run_month(database, "2022-06", write(tmp_path, "a.csv", june(1, 10)))
    b = run_month(database, "2022-06", write(tmp_path, "b.csv", june(1, 11)))
    assert (a.version, b.version) == (1, 1)
    assert load_run(database, b.id).corrections.height == 0


def test_recurring_liability_counts_consecutive_final_months(database: Database, tmp_path: Path) -> None:
    def month_file(month: int, liable: bool) -> Path:
        ready = dt.date(2022, month, 1)
        days = [0, 2, 3, 5, 6] if liable else [0, 1]
        rows = [episode(f"m{month}-{i}", d, ready=ready) for i, d in enumerate(days)]
        rows.append(episode(f"m{month}-h", 2, kommun=HARRYDA, ready=ready))  # never liable
        return write(tmp_path, f"2022-{month:02d}.csv", *rows)

    runs = {}
    for month in (3, 4, 5, 6):
        runs[month] = run_month(database, f"2022-{month:02d}", month_file(month, liable=True))
        if month != 3:
            finalize(database, runs[month].id, "clerk")
    # March is only a draft: it does not count. April, May and June are final and liable.
    june_run = load_run(database, runs[6].id)
    assert june_run.recurring_liability[GBG] == 3
    assert june_run.recurring_liability[HARRYDA] == 0
    assert len(june_run.recurring_liability) == len(parties())
    row = june_run.betalningsansvar.filter(pl.col("kommun") == GBG).row(0, named=True)
    assert row["consecutive_liable_months"] == 3
    assert row["recurring_liability"] is True
    harryda = june_run.betalningsansvar.filter(pl.col("kommun") == HARRYDA).row(0, named=True)
    assert harryda["recurring_liability"] is False
    assert load_run(database, runs[5].id).recurring_liability[GBG] == 2

    # A new final version of May without liability breaks the row for June.
    may_v2 = run_month(database, "2022-05", month_file(5, liable=False))
    finalize(database, may_v2.id, "clerk")
    assert recurring_liability(database, dt.date(2022, 6, 1))[GBG] == 1
    assert load_run(database, runs[6].id).recurring_liability[GBG] == 1


@pytest.fixture
def month_2024(tmp_path: Path) -> dict[str, Path]:
    """All three inputs for June 2024 (placements need the 2023 agreement), with own tariffs."""
    from hos_avtal.synth import synth_episodes, synth_visits

    months = month_range("2024-06")
    synth_episodes(months, episodes_per_month=300, seed=3).write_parquet(tmp_path / "e.parquet")
    placements, costs, agreements = synth_placements(months, placements=40, seed=3)
    placements.write_csv(tmp_path / "p.csv")
    costs.write_csv(tmp_path / "c.csv")
    agreements.write_csv(tmp_path / "a.csv")
    synth_visits(months, visits_per_month=100, seed=3).write_csv(tmp_path / "v.csv")
    rows = [(m.code, 2024, s, "560.00") for m in parties() for s in ("hemtjanst", "hemsjukvard")]
    pl.DataFrame(rows, schema=["kommun", "year", "service", "sek_per_hour"], orient="row").write_csv(
        tmp_path / "t.csv"
    )
    return {
        "episodes": tmp_path / "e.parquet", "placements": tmp_path / "p.csv", "costs": tmp_path / "c.csv",
        "agreements": tmp_path / "a.csv", "visits": tmp_path / "v.csv", "tariffs": tmp_path / "t.csv",
    }  # fmt: skip


def test_a_month_with_all_three_inputs(
    database: Database, month_2024: dict[str, Path], tmp_path: Path
) -> None:
    f = month_2024
    outcome = execute_run(
        database, "2024-06", f["episodes"], f["placements"], f["costs"], f["agreements"], f["visits"],
        f["tariffs"], daily_amount_sek="9300",
    )  # fmt: skip
    stored = load_run(database, outcome.summary.id)
    assert stored.summary.ruleset_id == "vgr-2023"
    assert stored.summary.daily_amount_ore == 930000
    assert stored.placement_lines is not None
    assert stored.placement_lines.height > 0
    assert stored.placement_municipalities is not None
    assert stored.placement_municipalities.height == 49
    assert stored.home_care_lines is not None
    assert (stored.home_care_lines["tariff_ore"] == 56000).all()
    assert {i.kind for i in stored.inputs} == {
        "episodes",
        "placements",
        "costs",
        "agreements",
        "visits",
        "tariffs",
    }
    assert stored.placement_lines["flags"].dtype == pl.List(pl.String)
    finalize(database, outcome.summary.id, "clerk")

    # One placement's cost rises by 3 000 kr: version 2 debits its municipality's share.
    costs = pl.read_csv(f["costs"], infer_schema=False)
    first = costs.row(0, named=True)
    costs = costs.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then((pl.col("cost_sek").cast(pl.Float64) + 3000).cast(pl.Int64).cast(pl.String))
        .otherwise(pl.col("cost_sek"))
        .alias("cost_sek")
    )
    costs.write_csv(tmp_path / "c2.csv")
    v2 = execute_run(
        database, "2024-06", f["episodes"], f["placements"], tmp_path / "c2.csv", f["agreements"],
        f["visits"], f["tariffs"], daily_amount_sek="9300",
    )  # fmt: skip
    corrections = load_run(database, v2.summary.id).corrections
    assert v2.summary.version == 2
    assert set(corrections["capability"]) == {"placements"}
    line = corrections.filter(pl.col("line_key") == f"{first['placement_id']} 2024-06")
    assert corrections.height == line.height == 1  # the one changed line, and no total row
    # The line is the settlement with VGR: the municipality pays more when the region placed,
    # and is paid more by the region when it placed itself.
    placed_by = (
        pl.read_csv(f["placements"], infer_schema=False)
        .filter(pl.col("placement_id") == first["placement_id"])["placed_by"]
        .item()
    )
    sign = 1 if placed_by == "region" else -1
    assert 0 < sign * line["delta_ore"].item() <= 300000


def test_bad_input_stores_nothing(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("episode_id,kommun\ne1,1480\n")
    with pytest.raises(InputError, match=r"bad\.csv"):
        run_month(database, "2022-06", path)
    with pytest.raises(InputError, match="placeringar kräver placements, costs och agreements"):
        run_month(database, "2022-06", path, placements=path)
    assert set(test_storage.count_rows(database).values()) == {0}


def test_a_personnummer_has_one_pseudonym_whatever_its_spelling(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from hos_avtal import months
    from hos_avtal.privacy import contains_personnummer
    from hos_avtal.runs._pseudonym import pseudonym, pseudonymise

    monkeypatch.setattr(months, "today", lambda: dt.date(2026, 12, 2))
    key = b"k" * 32
    spellings = [
        "19121212-1212", "191212121212", "121212+1212", " 19121212-1212 ", "19121212 1212",
        "19121212\u20131212", "PNR19121212-1212", "pnr: 191212121212",
    ]  # fmt: skip
    assert len({pseudonym(s, key) for s in spellings}) == 1
    # The century is part of the number: born 1912 and 2012 are two people. Ten digits with "-"
    # mean younger than 100 (Skatteverket's rule), so 121212-1212 is the one born in 2012.
    assert pseudonym("20121212-1212", key) != pseudonym("19121212-1212", key)
    assert pseudonym("121212-1212", key) == pseudonym("20121212-1212", key)
    assert pseudonym("19121212-1212", b"other key") != pseudonym("19121212-1212", key)
    raw = pl.DataFrame({"episode_id": [*spellings, "E-1"], "person_id": ["P1"] * 9})
    clean, replaced = pseudonymise(raw, ("episode_id", "person_id"), key)
    assert replaced == 8
    assert clean["episode_id"][-1] == "E-1"
    assert clean["person_id"].to_list() == ["P1"] * 9
    assert not pl.select(contains_personnummer(pl.lit(clean["episode_id"]))).to_series().any()
