"""HTTP API load test: throughput and p50/p99 latency of the real server against the framework's floor.

Measures, per (endpoint, size, concurrency 1 / 8 / 64), a bounded asyncio + httpx loop from this
process against servers started as subprocesses on 127.0.0.1 (uvicorn, one worker each, same flags):

* ``POST /v1/betalningsansvar/calculate`` with 1 000 and with 10 000 episodes of June 2022
  (``hos_avtal.synth``; 2022 has a shipped daily amount), on the real app (``hos_avtal.api``);
* ``GET /v1/billing-runs/{id}/municipalities/{kommun}``, an invoice basis of a stored final run
  (made beforehand with ``hos-avtal run`` and ``run finalize`` in a temporary SQLite database);
* the same requests against ``api_floor.py``: a bare FastAPI app that only parses and echoes the
  body (and returns a fixed invoice basis of the same size) — the framework's floor.

Each cell has a fixed request count and a time cap, and stops by itself; requests are
interleaved floor / real cell by cell so that both see the same machine. Records requests per
second, p50 and p99 latency, errors (any non-2xx or exception) and the server's CPU time per
request (``/proc/PID/stat``). Client and servers share the machine's cores. Prints markdown
tables and saves JSON to ``benchmarks/results/load_api-*.json``.

Both servers run as ``python -m uvicorn … --workers 1 --no-access-log --log-level warning``: the
real one as ``--factory hos_avtal.api:create_app`` with ``HOS_AVTAL_DATABASE_URL`` set (what
``hos-avtal serve`` runs, minus its access log, so that both servers have the same flags), the
floor as ``api_floor:app``. The key is an admin key from ``hos-avtal keys create``.

Run::

    .venv/bin/python benchmarks/load_api.py              # the full matrix
    .venv/bin/python benchmarks/load_api.py --quick      # a smoke run, few requests
    .venv/bin/python benchmarks/load_api.py --only floor # the floor alone (no hos_avtal.api needed)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from _common import BENCHMARKS, HOS_AVTAL, PYTHON, ROOT, loadavg, save_results

MONTH = "2022-06"
SIZES = (1_000, 10_000)
CONCURRENCY = (1, 8, 64)
RUN_EPISODES_PER_MONTH = 5_000
"""The stored run whose invoice basis is read: a VGR-scale month."""
KOMMUN = "1480"
"""Göteborg, the largest municipality: the largest invoice basis."""
SERVER_FLAGS = ("--workers", "1", "--no-access-log", "--log-level", "warning")
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- bodies -------------------------------------------------------------------------------------


def episodes(n: int, per_month: int | None = None) -> Any:
    """Exactly ``n`` synthetic episodes of June 2022 (a polars frame)."""
    from hos_avtal.synth import month_range, synth_episodes

    frame = synth_episodes(month_range(MONTH), episodes_per_month=per_month or n)
    return frame.sample(n=n, seed=2022) if frame.height >= n else frame


def calculate_body(n: int) -> bytes:
    """The JSON body of a calculate request with ``n`` episodes, dates as ISO strings."""
    import polars as pl

    frame = episodes(n).with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))
    return json.dumps({"month": MONTH, "episodes": frame.to_dicts()}, separators=(",", ":")).encode()


# --- servers --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A uvicorn subprocess on 127.0.0.1."""

    name: str
    target: str
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log: Path, timeout: float = 60.0) -> None:
        command = [
            str(PYTHON), "-m", "uvicorn", "--app-dir", str(BENCHMARKS), *self.target.split(),
            "--host", "127.0.0.1", "--port", str(self.port), *SERVER_FLAGS,
        ]  # fmt: skip
        out = log.open("wb")
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **self.env}, stdout=out, stderr=out
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} not listening after {timeout} s:\n{log.read_text()}")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process (all its threads)."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def prepare_real(tmp: Path) -> tuple[dict[str, str], int, str]:
    """A temporary SQLite database with a stored run of June 2022 and an API key.

    Returns the server's environment, the run id and the bearer key.
    """
    db = f"sqlite:///{tmp / 'load.sqlite'}"
    run_file = tmp / "run-episodes.parquet"
    episodes(RUN_EPISODES_PER_MONTH, RUN_EPISODES_PER_MONTH).write_parquet(run_file)
    out = subprocess.run(
        [str(HOS_AVTAL), "run", "--month", MONTH, "--episodes", str(run_file), "--db", db],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    found = re.search(r"körning (\d+):", out)
    if found is None:
        raise RuntimeError(f"no run id in {out!r}")
    # Invoicing systems fetch the fakturaunderlag of final runs; a draft is read by people.
    subprocess.run(
        [str(HOS_AVTAL), "run", "finalize", found.group(1), "--db", db], check=True, capture_output=True
    )
    key = create_key(db)
    return {"HOS_AVTAL_DATABASE_URL": db}, int(found.group(1)), key


def create_key(db: str) -> str:
    """An admin key from ``hos-avtal keys create`` (its token is the only line on standard output)."""
    out = subprocess.run(
        [str(HOS_AVTAL), "keys", "create", "--role", "admin", "--db", db],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    token = out.strip()
    if not token or len(token.split()) != 1:
        raise RuntimeError(f"no key in {out!r}")
    return token


# --- the load loop --------------------------------------------------------------------------------


@dataclass
class Cell:
    """One measured cell: a server, an endpoint and size, a concurrency."""

    server: str
    endpoint: str
    size: str
    concurrency: int
    requests: int
    completed: int = 0
    errors: int = 0
    first_error: str | None = None
    capped: bool = False
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    mean_ms: float = 0.0
    server_cpu_ms_per_req: float = 0.0
    response_bytes: int = 0


@dataclass(frozen=True)
class Request:
    endpoint: str
    size: str
    method: str
    path: str
    body: bytes | None
    count: int


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


async def measure(
    server: Server, headers: dict[str, str], request: Request, concurrency: int, time_cap: float
) -> Cell:
    """``request.count`` requests from ``concurrency`` workers, stopping early at ``time_cap`` s."""
    import httpx

    cell = Cell(server.name, request.endpoint, request.size, concurrency, request.count)
    latencies: list[float] = []
    todo = iter(range(request.count))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    timeout = httpx.Timeout(time_cap + 60.0)
    async with httpx.AsyncClient(
        base_url=server.url, headers=headers, limits=limits, timeout=timeout
    ) as client:

        async def worker() -> None:
            for _ in todo:
                if time.perf_counter() > deadline:
                    cell.capped = True
                    return
                t0 = time.perf_counter()
                try:
                    response = await client.request(request.method, request.path, content=request.body)
                    ok = 200 <= response.status_code < 300
                    cell.response_bytes = len(response.content)
                    problem = None if ok else f"HTTP {response.status_code}: {response.text[:300]}"
                except Exception as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                latencies.append(time.perf_counter() - t0)
                if problem is not None:
                    cell.errors += 1
                    cell.first_error = cell.first_error or problem

        cpu0 = server.cpu_seconds()
        start = time.perf_counter()
        deadline = start + time_cap
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        cell.seconds = time.perf_counter() - start
        cpu = server.cpu_seconds() - cpu0
    cell.completed = len(latencies)
    cell.rps = cell.completed / cell.seconds
    cell.p50_ms = percentile(latencies, 0.50) * 1000
    cell.p99_ms = percentile(latencies, 0.99) * 1000
    cell.mean_ms = sum(latencies) / max(1, len(latencies)) * 1000
    cell.server_cpu_ms_per_req = cpu / max(1, cell.completed) * 1000
    return cell


async def warm_up(server: Server, headers: dict[str, str], request: Request, n: int = 3) -> None:
    """A few sequential requests (imports, caches, connection), checked for 2xx."""
    import httpx

    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=120.0) as client:
        for _ in range(n):
            response = await client.request(request.method, request.path, content=request.body)
            if not 200 <= response.status_code < 300:
                raise RuntimeError(
                    f"{server.name} {request.method} {request.path}: HTTP {response.status_code} "
                    f"{response.text[:500]}"
                )


def counts(quick: bool) -> dict[str, int]:
    """Request counts per endpoint and size at concurrency 1 and 8 (at least 2 per worker at 64,
    1 for 10 000 episodes), chosen to keep each real-server cell under ≈25 s on 2 cores."""
    if quick:
        return {"calculate/1000": 16, "calculate/10000": 4, "invoice": 32}
    return {"calculate/1000": 200, "calculate/10000": 40, "invoice": 100}


def request_count(base: int, concurrency: int, quick: bool) -> int:
    """Enough requests that every worker sends at least one (two, except for 10 000 episodes)."""
    per_worker = 1 if quick or base <= 40 else 2
    return max(base, per_worker * concurrency)


# --- reporting -----------------------------------------------------------------------------------


def fmt(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}".replace(",", " ")


def table(cells: list[Cell]) -> str:
    rows = [
        "| endpoint | size | conc. | server | requests | errors | req/s | p50 ms | p99 ms "
        "| server CPU ms/req |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for c in cells:
        capped = " (time cap)" if c.capped else ""
        rows.append(
            f"| {c.endpoint} | {c.size} | {c.concurrency} | {c.server} | {c.completed}{capped} | {c.errors} "
            f"| {fmt(c.rps)} | {fmt(c.p50_ms)} | {fmt(c.p99_ms)} | {fmt(c.server_cpu_ms_per_req)} |"
        )
    return "\n".join(rows)


def ratios(cells: list[Cell]) -> list[dict[str, Any]]:
    """real / floor per cell: p50 and p99 latency, and floor req/s over real req/s."""
    by_key = {(c.server, c.endpoint, c.size, c.concurrency): c for c in cells}
    out = []
    for c in cells:
        if c.server != "real":
            continue
        f = by_key.get(("floor", c.endpoint, c.size, c.concurrency))
        if f is None:
            continue
        row: dict[str, Any] = {
            "endpoint": c.endpoint,
            "size": c.size,
            "concurrency": c.concurrency,
            "p50": c.p50_ms / f.p50_ms,
            "p99": c.p99_ms / f.p99_ms,
            "throughput": f.rps / c.rps,
        }
        row["within_2x"] = row["p50"] <= 2.0 and row["throughput"] <= 2.0
        out.append(row)
    return out


def ratio_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| endpoint | size | conc. | p50 real/floor | p99 real/floor | req/s floor/real | within 2× |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        met = "yes" if r["within_2x"] else "**no**"
        lines.append(
            f"| {r['endpoint']} | {r['size']} | {r['concurrency']} | {r['p50']:.2f} | {r['p99']:.2f} "
            f"| {r['throughput']:.2f} | {met} |"
        )
    return "\n".join(lines)


# --- main ---------------------------------------------------------------------------------------


async def run_matrix(
    servers: list[Server],
    headers: dict[str, dict[str, str]],
    requests: list[Request],
    concurrency: tuple[int, ...],
    time_cap: float,
    quick: bool,
) -> list[Cell]:
    cells: list[Cell] = []
    for request in requests:
        for server in servers:
            await warm_up(server, headers[server.name], request)
        for c in concurrency:
            sized = Request(**{**asdict(request), "count": request_count(request.count, c, quick)})
            for server in servers:
                cell = await measure(server, headers[server.name], sized, c, time_cap)
                cells.append(cell)
                print(
                    f"  {server.name:5} {request.endpoint:9} {request.size:>6} c={c:<2} "
                    f"{cell.completed} req, {cell.errors} err, {cell.rps:.1f} req/s, "
                    f"p50 {cell.p50_ms:.1f} ms, p99 {cell.p99_ms:.1f} ms",
                    file=sys.stderr,
                    flush=True,
                )
    return cells


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: few requests per cell")
    parser.add_argument("--only", choices=("floor", "real"), help="measure one server only")
    parser.add_argument("--time-cap", type=float, default=30.0, help="seconds per cell (default 30)")
    parser.add_argument("--concurrency", default=",".join(map(str, CONCURRENCY)), help="e.g. 1,8,64")
    args = parser.parse_args()
    concurrency = tuple(int(c) for c in args.concurrency.split(","))
    base = counts(args.quick)
    load_before = loadavg()
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    with tempfile.TemporaryDirectory(prefix="hos-avtal-load-") as tmp_name:
        tmp = Path(tmp_name)
        servers: list[Server] = []
        headers: dict[str, dict[str, str]] = {}
        try:
            invoice_path = "/v1/billing-runs/1/municipalities/" + KOMMUN
            if args.only != "floor":
                env, run_id, key = prepare_real(tmp)
                real = Server("real", "--factory hos_avtal.api:create_app", env)
                real.start(tmp / "real.log")
                servers.append(real)
                headers["real"] = {"authorization": f"Bearer {key}"}
                invoice_path = f"/v1/billing-runs/{run_id}/municipalities/{KOMMUN}"
                invoice = fetch(real, headers["real"], invoice_path)
                (tmp / "invoice.json").write_bytes(invoice)
            floor_env = {"HOS_AVTAL_FLOOR_INVOICE": str(tmp / "invoice.json")} if servers else {}
            if args.only != "real":
                floor = Server("floor", "api_floor:app", floor_env)
                floor.start(tmp / "floor.log")
                servers.insert(0, floor)
                headers["floor"] = {}
            json_headers = {"content-type": "application/json"}
            for h in headers.values():
                h.update(json_headers)
            requests = [
                Request("calculate", f"{n:,}".replace(",", " "), "POST", "/v1/betalningsansvar/calculate",
                        calculate_body(n), base[f"calculate/{n}"])
                for n in SIZES
            ] + [Request("invoice", KOMMUN, "GET", invoice_path, None, base["invoice"])]  # fmt: skip
            print(f"servers: {[(s.name, s.url) for s in servers]}; loadavg {load_before}", file=sys.stderr)
            cells = asyncio.run(
                run_matrix(servers, headers, requests, concurrency, args.time_cap, args.quick)
            )
        finally:
            for server in servers:
                server.stop()

    load_after = loadavg()
    rows = ratios(cells)
    print(f"\nloadavg before: {load_before}; after: {load_after}\n")
    print(table(cells))
    if rows:
        print()
        print(ratio_table(rows))
    errors = sum(c.errors for c in cells)
    print(f"\nerrors: {errors}")
    path = save_results(
        "load_api",
        {
            "started": started,
            "loadavg_before": load_before,
            "loadavg_after": load_after,
            "nproc": os.cpu_count(),
            "quick": args.quick,
            "time_cap_s": args.time_cap,
            "server_flags": SERVER_FLAGS,
            "cells": [asdict(c) for c in cells],
            "ratios": rows,
        },
    )
    print(f"saved {path.relative_to(ROOT)}")
    return 1 if errors else 0


def fetch(server: Server, headers: dict[str, str], path: str) -> bytes:
    """One GET, checked for 2xx; the body."""
    import httpx

    response = httpx.get(server.url + path, headers=headers, timeout=60.0)
    if not 200 <= response.status_code < 300:
        raise RuntimeError(f"{server.name} GET {path}: HTTP {response.status_code} {response.text[:500]}")
    return response.content


if __name__ == "__main__":
    sys.exit(main())
