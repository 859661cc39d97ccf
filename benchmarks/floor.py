"""The floor: the least work any betalningsansvar tool must do on a Parquet episode file.

Reads only ``kommun``, ``ready_date`` and ``discharge_date`` with polars, sums the days
(discharge − ready) per (discharge month, kommun) and prints the result as JSON. No validation,
no conditions, no pooled/individual split, no money. ``compare_cli.py`` times this as a whole
process: the CLI's time over this one is the cost of everything hos_avtal adds.

Usage::

    python benchmarks/floor.py FILE.parquet > out.json
"""

from __future__ import annotations

import sys

import polars as pl


def main(path: str) -> None:
    result = (
        pl.scan_parquet(path)
        .select("kommun", "ready_date", "discharge_date")
        .filter(pl.col("discharge_date").is_not_null())
        .group_by(pl.col("discharge_date").dt.month_start().alias("month"), "kommun")
        .agg((pl.col("discharge_date") - pl.col("ready_date")).dt.total_days().sum().alias("days"))
        .sort("month", "kommun")
        .with_columns(pl.col("month").dt.strftime("%Y-%m"))
        .collect()
    )
    sys.stdout.write(result.write_json())
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
