"""HTTP load on ``hos-avtal serve --workers 4``: throughput, p50 and p99, errors (issue 18).

One real server as the region runs it (``hos-avtal serve --workers 4``, SQLite in a temporary
folder, the per-key limits off so that the load is what is measured), driven from this process by
``load_api.measure`` (an asyncio + httpx loop, a fixed request count per cell and a time cap), at
concurrency 1, 8 and 64, for:

* ``calculate``: ``POST /v1/betalningsansvar/calculate`` with 1 000 episodes of June 2022;
* ``invoice``: ``GET /v1/billing-runs/{id}/municipalities/1480``, the invoice basis of Göteborg
  in a stored final run of a VGR-scale month (5 000 episodes);
* ``slider``: ``POST /v1/scenarios/compare`` on a stored VGR year (60 000 episodes) with one
  changed threshold, as the negotiators' page sends it.

Client and server share the machine's cores (2 here). Server CPU is the parent's and the
workers' user + system time (``/proc``). Prints a markdown table; JSON goes to
``benchmarks/results/load_workers-*.json``.

Usage::

    .venv/bin/python benchmarks/load_workers.py [--workers 4] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx

from _common import loadavg, save_results
from load_api import CLK_TCK, KOMMUN, Request, calculate_body, free_port, measure, prepare_real

CONCURRENCY = (1, 8, 64)


class Served:
    """``hos-avtal serve`` as a subprocess; ``cpu_seconds`` counts its workers too."""

    name = "serve"

    def __init__(self, db_url: str, workers: int, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-c", "from hos_avtal.cli import main; main()", "serve", "--db", db_url,
                   "--port", str(self.port), "--workers", str(workers), "--key-concurrency", "0",
                   "--key-requests-per-minute", "0"]  # fmt: skip
        self.proc = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                    time.sleep(3 * workers)  # every worker up, not only the first
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        self.proc.kill()
        raise RuntimeError(f"serve did not start:\n{log.read_text()}")

    def cpu_seconds(self) -> float:
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, ppid = int(stat.parent.name), int(fields[1])
            if pid == self.proc.pid or ppid == self.proc.pid:
                total += (int(fields[11]) + int(fields[12])) / CLK_TCK
        return total

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)


def store_year(db_url: str) -> int:
    from hos_avtal.months import month_range
    from hos_avtal.scenarios import save_dataset
    from hos_avtal.storage import open_database
    from hos_avtal.synth import synth_episodes

    db = open_database(db_url)
    episodes = synth_episodes(month_range("2022-01..2022-12"), episodes_per_month=5_000, seed=2022)
    dataset = save_dataset(db, "VGR 2022", {"episodes": episodes}, "benchmark").id
    db.close()
    return dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="a few requests per cell")
    parser.add_argument("--time-cap", type=float, default=60.0)
    options = parser.parse_args()
    base = {"calculate": 16, "invoice": 32, "slider": 32} if options.quick else {
        "calculate": 200, "invoice": 300, "slider": 300}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="hos-avtal-load-") as tmp:
        env, run_id, key = prepare_real(Path(tmp))
        db_url = env["HOS_AVTAL_DATABASE_URL"]
        dataset = store_year(db_url)
        move = {"name": "Tröskel 2,5", "betalningsansvar": {"average_threshold_days": "2.5"}}
        slider = {"base": "vgr-2018", "dataset_id": dataset, "scenarios": [move]}
        requests = [
            Request("calculate", "1000", "POST", "/v1/betalningsansvar/calculate", calculate_body(1000), 0),
            Request("invoice", KOMMUN, "GET", f"/v1/billing-runs/{run_id}/municipalities/{KOMMUN}", None, 0),
            Request("slider", "60000", "POST", "/v1/scenarios/compare", json.dumps(slider).encode(), 0),
        ]
        server = Served(db_url, options.workers, Path(tmp) / "serve.log")
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        cells = []
        try:
            for request in requests:
                asyncio.run(measure(server, headers, replace(request, count=3), 1, 60))  # type: ignore[arg-type]
                for concurrency in CONCURRENCY:
                    count = max(base[request.endpoint], 2 * concurrency)
                    sized = replace(request, count=count)
                    cell = asyncio.run(measure(server, headers, sized, concurrency, options.time_cap))  # type: ignore[arg-type]
                    cells.append(cell)
                    print(
                        f"| {cell.endpoint} | {concurrency} | {cell.completed} | {cell.errors} "
                        f"| {cell.rps:.1f} | {cell.p50_ms:.1f} | {cell.p99_ms:.1f} "
                        f"| {cell.server_cpu_ms_per_req:.1f} |",
                        flush=True,
                    )
        finally:
            server.stop()
    errors = sum(c.errors for c in cells)
    print(f"workers {options.workers}, load average {loadavg()}, errors {errors}")
    path = save_results("load_workers", {"workers": options.workers, "cells": [asdict(c) for c in cells]})
    print(f"saved {path}")
    if errors:
        print(next(c.first_error for c in cells if c.errors))


if __name__ == "__main__":
    main()
