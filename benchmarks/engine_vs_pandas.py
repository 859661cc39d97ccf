"""The computation alone: the hos_avtal engine against the pandas implementation, in one process.

``compare_cli.py`` times whole processes, where start-up (pandas and pyarrow take ~0.65 s to
import, polars ~0.2 s), reading and the CLI's validation and report weigh as much as the rules.
This script isolates the rules: both sides get the same episodes already in memory, in their
own native form (a validated polars frame; the pandas frame ``pandas_impl.read_episodes``
makes), and compute every month's per-municipality amounts. Best and median of N runs.

The engine still does more than the pandas code (not-covered reasons, pending counts, care-type
split, recurring flag, outside-agreement rows), so the ratio understates its lead.

Usage::

    python benchmarks/engine_vs_pandas.py [--size 2m] [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas_impl
from _common import DAILY_AMOUNT, SIZES, ensure_episodes, loadavg, machine, parquet_rows, save_results
from hos_avtal.betalningsansvar import calculate_betalningsansvar
from hos_avtal.io import read_episodes
from hos_avtal.money import sek_to_ore
from hos_avtal.municipalities import parties


def timed(function: Callable[[], object], repeats: int) -> list[float]:
    function()  # warm-up: first-call costs (thread pools, caches) are not the rules' cost
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        runs.append(time.perf_counter() - start)
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="2m")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)

    path = ensure_episodes(SIZES[args.size])
    frame = read_episodes(path)
    df = pandas_impl.read_episodes(path)
    daily_ore = sek_to_ore(DAILY_AMOUNT)
    codes = [m.code for m in parties()]
    before = loadavg()
    engine = timed(
        lambda: calculate_betalningsansvar(frame, None, daily_amount_sek=DAILY_AMOUNT, validate=False),
        args.repeats,
    )
    pandas = timed(lambda: pandas_impl.betalningsansvar(df, daily_ore, codes), args.repeats)
    after = loadavg()

    rows = parquet_rows(path)
    print(
        f"{rows:,} episodes in {path.name}; {args.repeats} runs after a warm-up; loadavg {before} / {after}\n"
    )
    print("| computation | best s | median s |\n|---|---:|---:|")
    for label, runs in (
        ("hos_avtal engine (`calculate_betalningsansvar`)", engine),
        ("pandas (`pandas_impl.betalningsansvar`)", pandas),
    ):
        print(f"| {label} | {min(runs):.3f} | {statistics.median(runs):.3f} |")
    ratio_best, ratio_median = (
        min(pandas) / min(engine),
        statistics.median(pandas) / statistics.median(engine),
    )
    print(f"\npandas / engine: best {ratio_best:.2f}, median {ratio_median:.2f} (goal ≥ 3)")
    saved = save_results(
        "engine_vs_pandas",
        {
            "episodes": rows,
            "file": path.name,
            "engine_s": engine,
            "pandas_s": pandas,
            "ratio_best": ratio_best,
            "ratio_median": ratio_median,
            "loadavg": [before, after],
            "machine": machine(),
        },
    )
    print(f"saved {saved}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
