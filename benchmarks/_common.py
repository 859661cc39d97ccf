"""Shared helpers for the benchmarks: data files, paths, machine description."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCHMARKS = Path(__file__).resolve().parent
ROOT = BENCHMARKS.parent
DATA = BENCHMARKS / "data"
RESULTS = BENCHMARKS / "results"
PYTHON = Path(sys.executable)
HOS_AVTAL = PYTHON.parent / "hos-avtal"
DAILY_AMOUNT = "9300"
"""2021 and 2023–2024 have no verified fastställt belopp, so every run passes this one."""


@dataclass(frozen=True)
class Size:
    """A synthetic episode file: ``hos-avtal synth`` months and episodes per month."""

    name: str
    months: str
    per_month: int

    @property
    def path(self) -> Path:
        return DATA / f"episodes-{self.name}.parquet"


SIZES = {
    "100k": Size("100k-24m", "2022-01..2023-12", 4167),
    "1m": Size("1m-48m", "2020-04..2024-03", 20834),
    "2m": Size("2m-48m", "2020-04..2024-03", 41667),
    "5m": Size("5m-48m", "2020-04..2024-03", 104167),
}


def ensure_episodes(size: Size) -> Path:
    """Generate ``size`` with ``hos-avtal synth`` unless the file already exists."""
    if size.path.is_file():
        return size.path
    DATA.mkdir(parents=True, exist_ok=True)
    partial = size.path.with_name(f".{size.path.stem}.{os.getpid()}.parquet")
    subprocess.run(
        [
            str(HOS_AVTAL), "synth", "--out", str(partial), "--months", size.months,
            "--episodes-per-month", str(size.per_month),
        ],
        check=True,
    )  # fmt: skip
    partial.replace(size.path)  # atomic: a concurrent reader never sees half a file
    return size.path


def parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


def machine() -> dict[str, Any]:
    """The machine and library versions, for the results files and the README."""
    import pandas
    import polars

    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    meminfo = Path("/proc/meminfo").read_text().split()
    mem_gib = int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024**2
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_gib": round(mem_gib, 1),
        "python": platform.python_version(),
        "polars": polars.__version__,
        "pandas": pandas.__version__,
        "loadavg": loadavg(),
    }


def save_results(kind: str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` to ``benchmarks/results/KIND-TIMESTAMP.json``; return the path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    path = RESULTS / f"{kind}-{stamp}.json"
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    return path


def turn_by_turn(runs: Mapping[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """The median seconds of each run, measured in one process, turn by turn: each warmed once,
    then ``repeats`` rounds, every other round in reverse order, so drift and a noisy neighbour
    weigh on all of them alike (the ratio of two is what to read)."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for run in runs.values():
        run()
    for i in range(repeats):
        order = list(runs.items())
        for name, run in order if i % 2 == 0 else order[::-1]:
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}
