"""A slider move on the negotiators' page against a trivial authenticated read, side by side.

The page's comparison request — ``POST /v1/scenarios/compare`` on a stored dataset with the
base rule set and one changed parameter, as ``static/parameters.js`` builds it — against
``GET /v1/municipalities`` with the same key, through a real ``hos-avtal serve`` (one worker,
SQLite) on 127.0.0.1, one request at a time on one keep-alive connection, turn by turn. Each
move sends another threshold (nothing is answered from a cache). Goal (issue 18): the
comparison at most 5× the read on a VGR-scale year.

The dataset is stored in-process with ``save_dataset`` before the server starts, as an upload
stores it (validated, pseudonymised, its day histogram made once).

Usage::

    python benchmarks/slider_latency.py                     # a VGR year: 60 000 episodes, 2022
    python benchmarks/slider_latency.py --national          # 6 million episodes, 2018-01..2026-10
    python benchmarks/slider_latency.py [--repeats 30]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hos_avtal.api import create_key
from hos_avtal.months import month_range
from hos_avtal.scenarios import save_dataset
from hos_avtal.storage import open_database
from hos_avtal.synth import synth_episodes
from load_api import free_port

SCALES = {
    # (months, episodes a month, base rule set, daily amount the request sends)
    "vgr": ("2022-01..2022-12", 5_000, "vgr-2018", None),
    # The rule sets cover 2018 on, and no discharge may lie in the future: 106 months.
    "national": ("2018-01..2026-10", 56_604, "lag-2017-612", "9900.00"),
}


def prepare(folder: Path, scale: str) -> tuple[str, str, int]:
    """A database with the stored dataset and an analyst key: (url, token, dataset id)."""
    months, per_month, _base, _amount = SCALES[scale]
    db_url = f"sqlite:///{folder / 'slider.sqlite'}"
    episodes = synth_episodes(month_range(months), episodes_per_month=per_month, seed=2022)
    db = open_database(db_url)
    started = time.perf_counter()
    dataset = save_dataset(
        db, f"{scale} {episodes.height} vårdtillfällen", {"episodes": episodes}, "benchmark"
    )
    stored = time.perf_counter() - started
    _key, token = create_key(db, "analyst")
    db.close()
    print(f"stored {episodes.height} episodes over {months} as dataset {dataset.id} in {stored:.1f} s")
    return db_url, token, dataset.id


def serve(db_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", "from hos_avtal.cli import main; main()", "serve", "--db", db_url,
               "--port", str(port), "--key-requests-per-minute", "0", "--key-concurrency", "0"]  # fmt: skip
    process = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"serve did not start:\n{log.read_text()}")


def measure(runs: dict[str, Callable[[int], httpx.Response]], repeats: int) -> dict[str, float]:
    """Median seconds of each, turn by turn (every other round reversed), after one warm-up."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for run in runs.values():
        run(-1).raise_for_status()
    for i in range(repeats):
        order = list(runs.items())
        for name, run in order if i % 2 == 0 else order[::-1]:
            started = time.perf_counter()
            answer = run(i)
            times[name].append(time.perf_counter() - started)
            answer.raise_for_status()
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--national", action="store_true", help="6 million episodes instead of a VGR year")
    parser.add_argument("--repeats", type=int, default=30)
    options = parser.parse_args()
    scale = "national" if options.national else "vgr"
    _months, _per_month, base, amount = SCALES[scale]
    with tempfile.TemporaryDirectory(prefix="hos-avtal-slider-") as tmp:
        folder = Path(tmp)
        db_url, token, dataset = prepare(folder, scale)
        port = free_port()
        process = serve(db_url, port, folder / "serve.log")
        try:
            client = httpx.Client(
                base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}, timeout=600
            )

            def read(_i: int) -> httpx.Response:
                return client.get("/v1/municipalities")

            def move(i: int) -> httpx.Response:
                threshold = Decimal("2.0") + Decimal(i % 40 + 1) / 20  # 2.05 … 4.00, another each move
                body: dict[str, object] = {
                    "base": base, "dataset_id": dataset,
                    "scenarios": [{"name": f"Tröskel {threshold}",
                                   "betalningsansvar": {"average_threshold_days": str(threshold)}}],
                }  # fmt: skip
                if amount is not None:
                    body["daily_amount_sek"] = amount
                return client.post("/v1/scenarios/compare", json=body)

            medians = measure(
                {"GET /v1/municipalities": read, "POST /v1/scenarios/compare": move}, options.repeats
            )
            client.close()
        finally:
            process.terminate()
            process.wait(timeout=60)
    read_s, move_s = medians.values()
    print(
        f"{scale}: GET /v1/municipalities {read_s * 1000:.2f} ms, POST /v1/scenarios/compare "
        f"{move_s * 1000:.2f} ms (medians of {options.repeats}, turn by turn); "
        f"compare/read {move_s / read_s:.1f}"
    )


if __name__ == "__main__":
    main()
