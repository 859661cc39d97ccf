"""A 1 000-combination parameter sweep against 1 000 separate engine runs (issue 6).

A year of VGR-scale synthetic episodes (2022-01..2022-12, ~5 000 discharges a month, rule set
vgr-2018 with the 2022 fastställt belopp of 9 300 kr) and a grid of 10 thresholds × 10 switch
days × 10 free days. Timed in one process, after a warm-up run of each:

* one ``calculate_with_parameters`` with the base parameters;
* ``sweep_betalningsansvar`` over the whole grid;
* ``calculate_with_parameters`` once per combination (``--separate N``: only the first N, the
  rest extrapolated).

Every separately computed combination is compared with the sweep, öre for öre. Run::

    .venv/bin/python benchmarks/sweep_vs_separate.py                  # all 1 000 separately
    .venv/bin/python benchmarks/sweep_vs_separate.py --separate 50    # 50, extrapolated
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import polars as pl

from _common import machine, save_results

MONTHS = "2022-01..2022-12"
RULESET = "vgr-2018"
THRESHOLDS = tuple((2 + Decimal(2) * i / 9).quantize(Decimal("0.01")) for i in range(10))
SWITCH_DAYS = tuple(range(3, 13))
FREE_DAYS = tuple(range(10))
AXES = (
    "average_threshold_days=" + ",".join(str(t) for t in THRESHOLDS),
    "individual_after_days=3:12:1",
    "free_days=0:9:1",
)
"""The same grid in the CLI's --param syntax, for the whole public path."""


def episodes(per_month: int = 5000, seed: int = 2022) -> pl.DataFrame:
    """The year of synthetic episodes, validated as ``read_episodes`` would."""
    from hos_avtal.io import validate_episodes
    from hos_avtal.synth import month_range, synth_episodes

    return validate_episodes(synth_episodes(month_range(MONTHS), episodes_per_month=per_month, seed=seed))


def month_rules() -> list[Any]:
    from hos_avtal.betalningsansvar import MonthRules
    from hos_avtal.rules import load_ruleset
    from hos_avtal.synth import month_range

    ruleset = load_ruleset(RULESET)
    return [MonthRules(ruleset, ruleset.betalningsansvar(m)) for m in month_range(MONTHS)]


def grid() -> list[dict[str, object]]:
    """10 × 10 × 10 combinations: threshold 2.00..4.00, switch after 3..12 days, 0..9 free days."""
    return [
        {"average_threshold_days": t, "individual_after_days": s, "free_days": f}
        for t in THRESHOLDS
        for s in SWITCH_DAYS
        for f in FREE_DAYS
    ]


def separately(frame: pl.DataFrame, months: Sequence[Any], combination: dict[str, object]) -> pl.DataFrame:
    """One engine run with ``combination`` replaced into every month, as the sweep's columns."""
    from hos_avtal.betalningsansvar import MonthRules, calculate_with_parameters

    scenario = [MonthRules(m.ruleset, dataclasses.replace(m.parameters, **combination)) for m in months]
    rows = calculate_with_parameters(frame, scenario).municipalities
    return rows.select(
        "month",
        "kommun",
        pl.col("average_amount_ore").alias("pooled_ore"),
        (pl.col("total_amount_ore") - pl.col("average_amount_ore")).alias("individual_ore"),
        pl.col("total_amount_ore").alias("amount_ore"),
    )


def timed(function: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return times, result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--per-month", type=int, default=5000, help="episodes per month (default 5000)")
    parser.add_argument(
        "--separate", type=int, default=1000, help="separate runs to time (default: all 1000)"
    )
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the single run and the sweep")
    parser.add_argument("--save", action="store_true", help="write benchmarks/results/sweep-*.json")
    args = parser.parse_args(argv)

    from hos_avtal.betalningsansvar import calculate_with_parameters
    from hos_avtal.scenarios._histogram import sweep_betalningsansvar

    frame = episodes(args.per_month)
    months = month_rules()
    combinations = grid()
    count = min(args.separate, len(combinations))
    print(
        f"{frame.height} episodes, {len(months)} months, {len(combinations)} combinations; "
        f"{count} separate runs timed",
        flush=True,
    )

    calculate_with_parameters(frame, months)  # warm-up: first polars queries, imports
    single_times, _ = timed(lambda: calculate_with_parameters(frame, months), args.repeats)
    sweep_betalningsansvar(frame, months, combinations[:10])
    sweep_times, sweep = timed(lambda: sweep_betalningsansvar(frame, months, combinations), args.repeats)
    # The whole public path the CLI and the API take: grid syntax, totals, per municipality, %.
    from hos_avtal.scenarios import ScenarioData, parse_axis
    from hos_avtal.scenarios import sweep as public_sweep

    axes = [parse_axis(text) for text in AXES]
    data = ScenarioData(episodes=frame)
    whole_times, whole = timed(lambda: public_sweep(data, axes, base="vgr-2018"), args.repeats)
    assert whole.combinations.height == len(combinations)

    # Spread the timed runs over the whole grid, not only its first thresholds.
    chosen = [round(i * (len(combinations) - 1) / max(count - 1, 1)) for i in range(count)]
    results: dict[int, pl.DataFrame] = {}
    start = time.perf_counter()
    for index in chosen:
        results[index] = separately(frame, months, combinations[index])
    separate_seconds = time.perf_counter() - start

    for index, rows in results.items():
        swept = sweep.filter(pl.col("combination") == index).drop("combination")
        if not swept.equals(rows):
            print(f"MISMATCH in combination {index}: {combinations[index]}", file=sys.stderr)
            return 1
    liable = sweep.filter(pl.col("amount_ore") > 0).height

    single, swept_median = statistics.median(single_times), statistics.median(sweep_times)
    whole_median = statistics.median(whole_times)
    per_run = separate_seconds / count
    all_separate = per_run * len(combinations)
    label = f"{len(combinations)} separate" + ("" if count == len(combinations) else f" (×{count}, extrap.)")
    rows_out = [
        ("1 calculate_with_parameters", single, single),
        (f"sweep of {len(combinations)}", swept_median, swept_median / len(combinations)),
        (f"scenarios.sweep() of {len(combinations)}, totals", whole_median, whole_median / len(combinations)),
        (label, all_separate, per_run),
    ]
    print("\n| case | seconds | per combination | vs sweep |\n|---|---:|---:|---:|")
    for name, seconds, each in rows_out:
        print(f"| {name} | {seconds:.3f} | {each * 1000:.2f} ms | {seconds / swept_median:.1f}× |")
    print(
        f"\n{len(results)} combinations checked against the sweep: identical "
        f"({liable} of {sweep.height} swept rows have an amount)."
    )
    print(f"single: {[round(t, 3) for t in single_times]}; sweep: {[round(t, 3) for t in sweep_times]}")
    if args.save:
        path = save_results(
            "sweep",
            {
                "machine": machine(),
                "episodes": frame.height,
                "combinations": len(combinations),
                "separate_timed": count,
                "single_seconds": single_times,
                "sweep_seconds": sweep_times,
                "public_sweep_seconds": whole_times,
                "separate_seconds": separate_seconds,
            },
        )
        print(f"saved {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
