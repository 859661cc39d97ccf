"""How fast could any ``hos-avtal betalningsansvar`` process be? Bounds against the goals of issue 2.

Whole processes, timed like ``compare_cli.py`` (separate processes, round-robin, median and min)
on the same 2M-episode file:

(floor)    ``floor.py``: polars reads 3 columns and sums days per (month, kommun)
(imports)  the CLI's start-up and nothing else: ``hos_avtal.cli`` with its commands registered,
           the betalningsansvar engine and report (numpy, the pydantic rule-set models) and the
           two shipped VGR rule sets loaded; not a byte of the file is read
(overlap)  the best case for the work itself: the same imports in the main thread while a
           second thread runs one lazy polars query that reads all 13 episode columns, casts the
           codes and aggregates to (month, kommun, care type, days, failed conditions) — no
           validation, no report. polars releases the GIL, so the query hides behind the imports
           as far as two cores allow
(cli)      ``hos-avtal betalningsansvar FILE --format json --daily-amount 9300``
(pandas)   ``pandas_impl.py FILE --daily-amount 9300``

A process that does what (overlap) does and then validates, computes the pools and writes the
2 352 rows of JSON cannot be faster than (overlap); if (overlap) is already above 1.5 × floor,
or pandas / (overlap) below 3, the goals of issue 2 are out of reach for this stack on this
machine, whatever the engine does.

Usage::

    python benchmarks/cli_bound.py                # 2M episodes, 7 repeats
    python benchmarks/cli_bound.py --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from _common import BENCHMARKS, DAILY_AMOUNT, HOS_AVTAL, PYTHON, SIZES, ensure_episodes, loadavg, save_results

IMPORTS = """
from hos_avtal.cli._app import _register
_register()
from hos_avtal.betalningsansvar import calculate_betalningsansvar
from hos_avtal.betalningsansvar._report import contract_json
from hos_avtal.rules import load_ruleset
load_ruleset("vgr-2018"), load_ruleset("vgr-2023")
"""

OVERLAP = (
    """
import sys, threading
import polars as pl
from hos_avtal.io._episodes import KOMMUN

def query():
    d, r = pl.col("discharge_date"), pl.col("ready_date")
    failed = [~pl.col("admission_notice"), ~pl.col("ready_notice"),
              pl.col("sip_needed") & ~pl.col("sip_invited").fill_null(False),
              ~pl.col("outpatient_plan"), ~pl.col("outpatient_available")]
    bits = sum((f.cast(pl.Int32) * (1 << i) for i, f in enumerate(failed)), pl.lit(0))
    out["groups"] = (
        pl.scan_parquet(sys.argv[1])
        .filter(d.is_not_null() & pl.col("episode_id").is_not_null() & pl.col("person_id").is_not_null())
        .group_by(d.dt.month_start(), pl.col("kommun").cast(KOMMUN, strict=False),
                  "care_type", bits.alias("failed"), (d - r).dt.total_days().alias("days"))
        .agg(pl.len(), pl.col("hospital").null_count())
        .collect()
    )

out = {}
worker = threading.Thread(target=query)
worker.start()
"""
    + IMPORTS
    + """
worker.join()
print(out["groups"].height)
"""
)


def commands(path: str) -> dict[str, list[str]]:
    return {
        "floor": [str(PYTHON), str(BENCHMARKS / "floor.py"), path],
        "imports": [str(PYTHON), "-c", IMPORTS],
        "overlap": [str(PYTHON), "-c", OVERLAP, path],
        "cli": [str(HOS_AVTAL), "betalningsansvar", path, "--format", "json", "--daily-amount", DAILY_AMOUNT],
        "pandas": [str(PYTHON), str(BENCHMARKS / "pandas_impl.py"), path, "--daily-amount", DAILY_AMOUNT],
    }


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    path = str(ensure_episodes(SIZES["2m"]))
    cmds = commands(path)
    before = loadavg()
    for command in cmds.values():  # warm the file cache and the interpreter's files
        wall(command)
    samples: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(args.repeats):
        for name, command in cmds.items():
            samples[name].append(wall(command))
    after = loadavg()
    median = {name: statistics.median(s) for name, s in samples.items()}
    print(f"\n{args.repeats} repeats, round-robin; loadavg before {before} / after {after}\n")
    print("| process | median s | min s | / floor (median) | pandas / it (median) |")
    print("|---|---:|---:|---:|---:|")
    for name, s in samples.items():
        print(
            f"| {name} | {median[name]:.3f} | {min(s):.3f} | {median[name] / median['floor']:.2f} | "
            f"{median['pandas'] / median[name]:.2f} |"
        )
    print("\nGoals of issue 2: CLI / floor ≤ 1.5 and pandas / CLI ≥ 3.")
    saved = save_results(
        "cli_bound",
        {"file": path, "repeats": args.repeats, "loadavg_before": before, "loadavg_after": after,
         "samples_s": samples, "median_s": median},
    )  # fmt: skip
    print(f"saved {saved.relative_to(BENCHMARKS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
