"""Läget i dag against the billing engine on the same episodes, in one process, turn by turn.

The episodes of a VGR-scale month (``benchmarks/billing_run_e2e.py``'s 2024-06, read and validated
once): the prognos of 2024-06-18 (the month's discharges so far, and every patient waiting that
day) against ``calculate_with_parameters`` of the whole month. Goal (issue 16): at most 1.5×.
With ``--snapshot`` also the daily flow's write: ``save_snapshot`` of the same day into a SQLite
file (pseudonymise, validate again, compute, encode the contract, replace the day's row).

Usage::

    python benchmarks/prognos_vs_engine.py [--repeats 21] [--snapshot]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DAILY_AMOUNT, loadavg, turn_by_turn
from billing_run_e2e import MONTH, month_files
from hos_avtal.betalningsansvar import MonthRules, calculate_with_parameters
from hos_avtal.forecasts import prognos_with_parameters
from hos_avtal.io import read_episodes
from hos_avtal.rules import select_ruleset

DAY = dt.date(2024, 6, 18)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--snapshot", action="store_true", help="also time save_snapshot")
    options = parser.parse_args()
    frame = read_episodes(month_files()["episodes"])
    month = DAY.replace(day=1)
    rules = select_ruleset(month)
    month_rules = MonthRules(rules, rules.betalningsansvar(month, daily_amount_sek=Decimal(DAILY_AMOUNT)))
    today = prognos_with_parameters(frame, DAY, month_rules)
    waiting, discharged = today.waiting.height, int(today.municipalities["discharged_episodes"].sum())
    runs = {
        "prognos": lambda: prognos_with_parameters(frame, DAY, month_rules),
        "engine": lambda: calculate_with_parameters(frame, [month_rules]),
    }
    if options.snapshot:
        import tempfile

        from hos_avtal.forecasts import save_snapshot
        from hos_avtal.storage import open_database

        db = open_database(Path(tempfile.mkdtemp()) / "snapshots.sqlite")
        runs["snapshot"] = lambda: save_snapshot(
            db, frame, DAY, created_by="benchmark", ruleset=rules, daily_amount_sek=DAILY_AMOUNT
        )
    print(f"load before: {loadavg()}")
    medians = turn_by_turn(runs, options.repeats)
    p, e = medians["prognos"], medians["engine"]
    print(
        f"{frame.height} episodes ({MONTH}), {DAY}: {discharged} covered discharged so far, "
        f"{waiting} waiting; "
        f"prognos {p * 1000:.1f} ms, billing engine {e * 1000:.1f} ms (medians of {options.repeats}); "
        f"prognos/engine {p / e:.2f}"
    )
    if "snapshot" in medians:
        snap = medians["snapshot"]
        print(f"save_snapshot {snap * 1000:.1f} ms; snapshot/engine {snap / e:.2f}")
    print(f"load after: {loadavg()}")


if __name__ == "__main__":
    main()
