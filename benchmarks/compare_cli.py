"""Whole-process timing: the hos-avtal CLI against the floor and a competent pandas version.

On one synthetic file (default 2 000 000 episodes over 48 months, 2020-04..2024-03) it times,
as separate processes started with ``subprocess`` (interpreter start-up and imports included):

(a) ``hos-avtal betalningsansvar FILE --format json --daily-amount 9300 > /dev/null``
(b) ``python benchmarks/floor.py FILE`` — the least work any tool must do (see floor.py)
(c) ``python benchmarks/pandas_impl.py FILE --daily-amount 9300`` — the same rules in pandas

Each command runs once to warm the file cache, then ``--repeats`` times, round-robin so a
change in machine load hits all three alike; median and min wall-clock seconds and the child's
peak RSS (``os.wait4``) are reported. Goals: CLI/floor ≤ 1.5 and pandas/CLI ≥ 3. Before timing
it checks once that (a) and (c) agree on every municipality-month figure. Results are printed as
a markdown table and saved to ``benchmarks/results/compare_cli-*.json``.

Usage::

    python benchmarks/compare_cli.py                 # 2M episodes, 5 repeats
    python benchmarks/compare_cli.py --size 100k --repeats 2   # a quick dry run
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import (
    BENCHMARKS,
    DAILY_AMOUNT,
    HOS_AVTAL,
    PYTHON,
    SIZES,
    ensure_episodes,
    loadavg,
    machine,
    parquet_rows,
    save_results,
)

GOAL_CLI_OVER_FLOOR = 1.5
GOAL_PANDAS_OVER_CLI = 3.0
COMPARED = (
    "average_episodes",
    "average_days",
    "average_amount_sek",
    "individual_episodes",
    "individual_billable_days",
    "individual_amount_sek",
    "total_amount_sek",
)


def commands(path: Path) -> dict[str, list[str]]:
    return {
        "cli": [
            str(HOS_AVTAL), "betalningsansvar", str(path), "--format", "json",
            "--daily-amount", DAILY_AMOUNT,
        ],
        "floor": [str(PYTHON), str(BENCHMARKS / "floor.py"), str(path)],
        "pandas": [
            str(PYTHON), str(BENCHMARKS / "pandas_impl.py"), str(path),
            "--daily-amount", DAILY_AMOUNT,
        ],
    }  # fmt: skip


def run_once(command: list[str]) -> tuple[float, float, float]:
    """Run ``command`` with stdout to /dev/null; (wall seconds, CPU seconds, peak RSS MiB)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def check_agreement(cmds: dict[str, list[str]]) -> list[str]:
    """Differences between the CLI's and pandas_impl's JSON, per month, kommun and figure."""
    cli = json.loads(subprocess.run(cmds["cli"], capture_output=True, check=True).stdout)
    pandas = json.loads(subprocess.run(cmds["pandas"], capture_output=True, check=True).stdout)

    def by_key(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
        return {(m["month"], r["kommun"]): r for m in objects for r in m["municipalities"]}

    a, c = by_key(cli), by_key(pandas)
    problems = [f"{k}: only in the CLI output" for k in sorted(a.keys() - c.keys())]
    problems += [f"{k}: only in the pandas output" for k in sorted(c.keys() - a.keys())]
    for key in sorted(a.keys() & c.keys()):
        for field in COMPARED:
            if a[key][field] != c[key][field]:
                problems.append(f"{key} {field}: CLI {a[key][field]} != pandas {c[key][field]}")
    if not problems:
        print(f"agreement: CLI == pandas_impl on {len(a)} (month, kommun) rows × {len(COMPARED)} "
              "figures", file=sys.stderr)  # fmt: skip
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="2m")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-check", action="store_true", help="skip the agreement check")
    args = parser.parse_args(argv)

    path = ensure_episodes(SIZES[args.size])
    rows = parquet_rows(path)
    cmds = commands(path)
    problems = [] if args.no_check else check_agreement(cmds)
    for line in problems[:50]:
        print(line, file=sys.stderr)

    load_before = loadavg()
    for command in cmds.values():  # warm the file cache and the interpreter's own files
        run_once(command)
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in cmds}
    for _ in range(args.repeats):
        for name, command in cmds.items():
            samples[name].append(run_once(command))
    load_after = loadavg()

    summary: dict[str, dict[str, Any]] = {
        name: {
            "median_s": statistics.median(s[0] for s in runs),
            "min_s": min(s[0] for s in runs),
            "median_cpu_s": statistics.median(s[1] for s in runs),
            "peak_rss_mib": max(s[2] for s in runs),
            "wall_s": [s[0] for s in runs],
        }
        for name, runs in samples.items()
    }
    ratios = {
        "cli_over_floor_median": summary["cli"]["median_s"] / summary["floor"]["median_s"],
        "cli_over_floor_min": summary["cli"]["min_s"] / summary["floor"]["min_s"],
        "pandas_over_cli_median": summary["pandas"]["median_s"] / summary["cli"]["median_s"],
        "pandas_over_cli_min": summary["pandas"]["min_s"] / summary["cli"]["min_s"],
    }

    labels = {
        "cli": "(a) `hos-avtal betalningsansvar --format json`",
        "floor": "(b) `floor.py` (polars, 3 columns, sum days)",
        "pandas": "(c) `pandas_impl.py`",
    }
    print(f"\n{rows:,} episodes in {path.name}; {args.repeats} repeats after a warm-up run; "
          f"loadavg before {load_before} / after {load_after}\n")  # fmt: skip
    print("| command | median s | min s | median CPU s | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|")
    for name, s in summary.items():
        print(f"| {labels[name]} | {s['median_s']:.2f} | {s['min_s']:.2f} | "
              f"{s['median_cpu_s']:.2f} | {s['peak_rss_mib']:.0f} |")  # fmt: skip
    cli_floor = ratios["cli_over_floor_median"]
    pandas_cli = ratios["pandas_over_cli_median"]
    print("\n| ratio | median | min | goal | met |")
    print("|---|---:|---:|---|---|")
    print(
        f"| CLI / floor | {cli_floor:.2f} | {ratios['cli_over_floor_min']:.2f} | "
        f"≤ {GOAL_CLI_OVER_FLOOR} | {'yes' if cli_floor <= GOAL_CLI_OVER_FLOOR else 'no'} |"
    )
    print(
        f"| pandas / CLI | {pandas_cli:.2f} | {ratios['pandas_over_cli_min']:.2f} | "
        f"≥ {GOAL_PANDAS_OVER_CLI} | {'yes' if pandas_cli >= GOAL_PANDAS_OVER_CLI else 'no'} |"
    )
    verdict = f"{len(problems)} differences" if problems else "ok"
    print(f"\nagreement CLI vs pandas_impl: {'not checked' if args.no_check else verdict}")

    saved = save_results(
        "compare_cli",
        {
            "file": str(path),
            "episodes": rows,
            "repeats": args.repeats,
            "commands": {name: " ".join(c) for name, c in cmds.items()},
            "loadavg_before": load_before,
            "loadavg_after": load_after,
            "machine": machine(),
            "summary": summary,
            "ratios": ratios,
            "agreement_checked": not args.no_check,
            "agreement_problems": problems,
        },
    )
    print(f"saved {saved.relative_to(BENCHMARKS.parent)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
