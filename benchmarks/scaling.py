"""Does the engine stay linear? Time per million episodes at 100k, 1M and 5M episodes.

For each size a fresh Python process (``--child``) runs the in-process pipeline the CLI runs:

1. ``hos_avtal.io.read_episodes(path)`` — read the Parquet file and validate it;
2. ``calculate_betalningsansvar(frame, None, daily_amount_sek="9300", validate=False)``;
3. ``hos_avtal.betalningsansvar._report.contract(result)`` — the docs/rules.md §4 JSON objects;

and reports each phase's seconds and its peak RSS (``resource.getrusage`` in the child). Each
size is run ``--repeats`` times (each in a new process); the median is reported. Imports are
not timed. Then, on the 100k file, the pure-Python reference (``tests/reference.py``) is timed
month by month and checked against the engine: the engine/reference speed ratio.

Usage::

    python benchmarks/scaling.py                     # 100k, 1M, 5M; 3 repeats; reference
    python benchmarks/scaling.py --sizes 100k --repeats 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import (
    BENCHMARKS,
    DAILY_AMOUNT,
    PYTHON,
    ROOT,
    SIZES,
    ensure_episodes,
    loadavg,
    machine,
    save_results,
)

REFERENCE = ROOT / "tests" / "reference.py"


def child(path: str) -> dict[str, Any]:
    """Run the pipeline once in this process; seconds per phase and peak RSS."""
    import resource

    from hos_avtal.betalningsansvar import calculate_betalningsansvar, contract
    from hos_avtal.io import read_episodes

    t0 = time.perf_counter()
    frame = read_episodes(path)
    t1 = time.perf_counter()
    result = calculate_betalningsansvar(frame, None, daily_amount_sek=DAILY_AMOUNT, validate=False)
    t2 = time.perf_counter()
    objects = contract(result)
    t3 = time.perf_counter()
    return {
        "episodes": frame.height,
        "months": len(objects),
        "read_validate_s": t1 - t0,
        "compute_s": t2 - t1,
        "contract_s": t3 - t2,
        "total_s": t3 - t0,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def load_reference() -> Any:
    """``tests/reference.py`` as a module, or ``None`` if it is not there."""
    import importlib.util

    if not REFERENCE.is_file():
        return None
    spec = importlib.util.spec_from_file_location("reference", REFERENCE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["reference"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def month_inputs(frame: Any) -> list[tuple[Any, list[dict[str, Any]], Any]]:
    """Per discharge month: (month, that month's episodes as dicts, parameters).

    The episodes are those discharged in the month and those still admitted at its end (the
    reference needs the latter for its pending counts).
    """
    from decimal import Decimal

    import polars as pl

    from hos_avtal.months import month_end
    from hos_avtal.rules import load_ruleset, select_ruleset

    months = frame["discharge_date"].dt.month_start().drop_nulls().unique().sort().to_list()
    inputs = []
    for month in months:
        end = month_end(month)
        discharge = pl.col("discharge_date")
        episodes = frame.filter(
            discharge.is_between(month, end)
            | ((pl.col("ready_date") <= end) & (discharge.is_null() | (discharge > end)))
        ).to_dicts()
        params = load_ruleset(select_ruleset(month).id).betalningsansvar(
            month, daily_amount_sek=Decimal(DAILY_AMOUNT)
        )
        inputs.append((month, episodes, params))
    return inputs


def reference_run(path: str) -> dict[str, Any]:
    """Time the reference on every month of ``path`` and compare it with the engine."""
    from hos_avtal.betalningsansvar import calculate_betalningsansvar
    from hos_avtal.io import read_episodes
    from hos_avtal.municipalities import parties

    reference = load_reference()
    if reference is None:
        return {"available": False, "path": str(REFERENCE)}
    frame = read_episodes(path)
    party_codes = {m.code for m in parties()}

    t0 = time.perf_counter()
    inputs = month_inputs(frame)
    t1 = time.perf_counter()
    results = [
        reference.reference_betalningsansvar(episodes, month, params, party_codes)
        for month, episodes, params in inputs
    ]
    t2 = time.perf_counter()
    engine = calculate_betalningsansvar(frame, None, daily_amount_sek=DAILY_AMOUNT, validate=False)
    t3 = time.perf_counter()

    keys = reference.MUNICIPALITY_KEYS
    rows = {
        (r["month"], r["kommun"]): r
        for r in engine.municipalities.select("month", "kommun", *keys).iter_rows(named=True)
    }
    problems = [
        f"{month} {kommun} {key}: reference {value} != engine {rows[(month, kommun)][key]}"
        for result in results
        for month in [result.month]
        for kommun, ref_row in result.municipalities.items()
        for key, value in ref_row.items()
        if value != rows[(month, kommun)][key]
    ]
    return {
        "available": True,
        "episodes": frame.height,
        "months": len(inputs),
        "episode_dicts": sum(len(e) for _, e, _ in inputs),
        "to_dicts_s": t1 - t0,
        "reference_s": t2 - t1,
        "engine_compute_s": t3 - t2,
        "compared_rows": len(rows),
        "problems": problems[:50],
        "problem_count": len(problems),
    }


def in_child(mode: str, path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [str(PYTHON), __file__, mode, str(path)], capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise RuntimeError(f"{mode} {path} failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=sorted(SIZES), default=["100k", "1m", "5m"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument("--child", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--reference-child", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    if args.reference_child:
        print(json.dumps(reference_run(args.reference_child)))
        return 0

    paths = {name: ensure_episodes(SIZES[name]) for name in args.sizes}
    load_before = loadavg()
    runs: dict[str, list[dict[str, Any]]] = {}
    for name, path in paths.items():
        in_child("--child", path)  # warm the file cache
        runs[name] = [in_child("--child", path) for _ in range(args.repeats)]

    phases = ("read_validate_s", "compute_s", "contract_s", "total_s")
    table = []
    for name, samples in runs.items():
        row: dict[str, Any] = {"size": name, "episodes": samples[0]["episodes"]}
        for phase in phases:
            row[phase] = statistics.median(s[phase] for s in samples)
        row["min_total_s"] = min(s["total_s"] for s in samples)
        row["s_per_million"] = row["total_s"] / (row["episodes"] / 1e6)
        row["compute_s_per_million"] = row["compute_s"] / (row["episodes"] / 1e6)
        row["peak_rss_mib"] = max(s["peak_rss_mib"] for s in samples)
        table.append(row)

    reference: dict[str, Any] = {"available": False, "skipped": True}
    if not args.no_reference:
        reference = in_child("--reference-child", ensure_episodes(SIZES["100k"]))
    load_after = loadavg()

    print(f"\nengine in-process (read + validate → compute → contract), median of {args.repeats} "
          f"fresh processes; loadavg before {load_before} / after {load_after}\n")  # fmt: skip
    print("| episodes | read+validate s | compute s | contract s | total s | min total s "
          "| s per 1M (total) | s per 1M (compute) | peak RSS MiB |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in table:
        print(f"| {r['episodes']:,} | {r['read_validate_s']:.2f} | {r['compute_s']:.2f} | "
              f"{r['contract_s']:.2f} | {r['total_s']:.2f} | {r['min_total_s']:.2f} | "
              f"{r['s_per_million']:.2f} | {r['compute_s_per_million']:.2f} | "
              f"{r['peak_rss_mib']:.0f} |")  # fmt: skip
    if len(table) > 1:
        per_m = [r["s_per_million"] for r in table]
        print(f"\ns per 1M episodes, largest / smallest size: {per_m[-1] / per_m[0]:.2f} "
              "(1.0 = linear; < 1 = fixed costs amortised)")  # fmt: skip

    if reference.get("available"):
        ratio = reference["reference_s"] / reference["engine_compute_s"]
        print(f"\nreference (tests/reference.py) on {reference['episodes']:,} episodes, "
              f"{reference['months']} months: {reference['reference_s']:.2f} s "
              f"(+ {reference['to_dicts_s']:.2f} s building {reference['episode_dicts']:,} dicts); "
              f"engine compute {reference['engine_compute_s']:.3f} s → engine is {ratio:.0f}× "
              "faster")  # fmt: skip
        reference["reference_over_engine"] = ratio
        agree = "ok" if not reference["problem_count"] else f"{reference['problem_count']} diffs"
        print(f"reference vs engine on {reference['compared_rows']} (month, kommun) rows: {agree}")
        for line in reference["problems"][:20]:
            print(f"  {line}")
    elif not args.no_reference:
        print(f"\nreference: {REFERENCE} is not there; not timed")

    saved = save_results(
        "scaling",
        {
            "repeats": args.repeats,
            "loadavg_before": load_before,
            "loadavg_after": load_after,
            "machine": machine(),
            "sizes": {name: str(path) for name, path in paths.items()},
            "runs": runs,
            "table": table,
            "reference": reference,
        },
    )
    print(f"saved {saved.relative_to(BENCHMARKS.parent)}")
    return 1 if reference.get("problem_count") else 0


if __name__ == "__main__":
    sys.exit(main())
