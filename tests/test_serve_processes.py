"""``hos-avtal serve`` as the region's IT runs it: real processes on a real port (issue 18).

Several workers on one database (PostgreSQL in CI) agree on everything that must hold across
requests — one run per Idempotency-Key, one finalization, no stale invoice basis — and SIGTERM
lets the requests in flight finish, then tells the rest to come back.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from hos_avtal.api import create_key
from hos_avtal.months import month_range
from hos_avtal.storage import list_runs, open_database
from hos_avtal.synth import synth_episodes
from test_api import EPISODES, MONTH
from test_storage import database_url  # noqa: F401  (the database fixture)
from test_web_page import _free_port

pytestmark = pytest.mark.slow


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]
    tokens: dict[str, str]
    reader: threading.Thread
    stderr: list[str]
    """Its log lines as they come (read by ``reader``, so that a full pipe never stalls it)."""

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def wait(self) -> str:
        """Its exit, then everything it logged."""
        self.process.wait(timeout=120)
        self.reader.join(timeout=30)
        return "".join(self.stderr)

    def stop(self) -> tuple[int, list[dict[str, Any]]]:
        """SIGTERM, then the exit code and the JSON lines it logged."""
        self.process.send_signal(signal.SIGTERM)
        err = self.wait()
        return self.process.returncode, [
            json.loads(line) for line in err.splitlines() if line.startswith("{")
        ]


@contextmanager
def serving(database: str, *options: str, workers: int = 1) -> Iterator[Served]:
    """``hos-avtal serve`` on a free port of 127.0.0.1, the schema upgraded and a key per role,
    once every one of its ``workers`` has started."""
    db = open_database(database)  # as `hos-avtal db upgrade` leaves it
    tokens = {role: create_key(db, role)[1] for role in ("admin", "billing", "analyst")}
    db.close()
    port = _free_port()
    command = [sys.executable, "-c", "from hos_avtal.cli import main; main()", "serve", "--db", database,
               "--port", str(port), "--log-format", "json", "--workers", str(workers), *options]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr: list[str] = []
    pipe = process.stderr
    assert pipe is not None

    def read() -> None:
        for line in pipe:
            stderr.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while sum("Application startup complete" in line for line in list(stderr)) < workers:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"serve did not start: {''.join(stderr)[-2000:]}")
            time.sleep(0.1)
        assert httpx.get(f"{url}/v1/health", timeout=10).status_code == 200
        yield Served(url, process, tokens, reader, stderr)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_four_workers_give_one_run_for_64_creates_with_one_idempotency_key(
    database_url: str,  # noqa: F811
) -> None:
    with serving(database_url, "--key-concurrency", "0", workers=4) as served:

        async def create_all() -> list[httpx.Response]:
            headers = {**served.auth("billing"), "Idempotency-Key": "order-2022-06"}
            limits = httpx.Limits(max_connections=64)
            async with httpx.AsyncClient(base_url=served.url, timeout=120, limits=limits) as client:
                body = {"month": MONTH, "episodes": EPISODES}

                async def create(i: int) -> httpx.Response:
                    # All 64 are in flight together, started 10 ms apart as clients arrive, so
                    # that the workers' accept loops share them out (a burst of connections
                    # arriving at once is accepted by whichever worker wakes first).
                    await asyncio.sleep(i / 100)
                    return await client.post("/v1/billing-runs", json=body, headers=headers)

                return await asyncio.gather(*[create(i) for i in range(64)])

        answers = asyncio.run(create_all())
        metrics = _metrics_once_counted(served, "/v1/billing-runs", 64)
        code, lines = served.stop()
    assert sorted({a.status_code for a in answers}) in ([200, 201], [201]), [a.text for a in answers][:3]
    assert {a.json()["id"] for a in answers} == {answers[0].json()["id"]}
    db = open_database(database_url, upgrade=False)
    try:
        assert [r.id for r in list_runs(db)] == [answers[0].json()["id"]]
    finally:
        db.close()
    creates = [line for line in lines if line.get("route") == "/v1/billing-runs"]
    assert len(creates) == 64
    assert len({line["pid"] for line in creates}) >= 2  # spread over the workers
    assert [line["event"] for line in lines if line.get("event") == "run.created"] == ["run.created"]
    assert code in (0, -signal.SIGTERM)
    # Every worker's requests, whichever worker answered /metrics.
    counts = _counts(metrics)
    assert counts["hos_avtal_http_requests_total", "/v1/billing-runs"] == 64
    assert counts["hos_avtal_billing_runs_total", "created"] == 1


def _counts(metrics: str) -> dict[tuple[str, str], float]:
    """Each sample summed by (name, route or change)."""
    counts: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(metrics):
        for sample in family.samples:
            label = sample.labels.get("route") or sample.labels.get("change") or ""
            counts[sample.name, label] = counts.get((sample.name, label), 0) + sample.value
    return counts


def _metrics_once_counted(served: Served, route: str, expected: int) -> str:
    """``/metrics`` once the requests to ``route`` are all counted: a worker counts a request
    after its answer has gone, so the last few may be counted a moment after the client has them."""
    deadline = time.monotonic() + 10
    while True:
        metrics = httpx.get(f"{served.url}/metrics", headers=served.auth("admin")).text
        if _counts(metrics).get(("hos_avtal_http_requests_total", route), 0) >= expected:
            return metrics
        if time.monotonic() > deadline:
            return metrics  # the assertion names what was counted
        time.sleep(0.1)


def test_finalize_races_and_invoice_caches_agree_across_workers(database_url: str) -> None:  # noqa: F811
    with serving(database_url, workers=3) as served:
        client = httpx.Client(base_url=served.url, timeout=120)
        run = client.post(
            "/v1/billing-runs", json={"month": MONTH, "episodes": EPISODES}, headers=served.auth("billing")
        ).json()
        basis = f"/v1/billing-runs/{run['id']}/municipalities/{EPISODES[0]['kommun']}"
        drafts = [client.get(basis, headers=served.auth("billing")) for _ in range(12)]  # warm every worker
        assert {d.json()["run"]["state"] for d in drafts} == {"draft"}
        draft_etag = drafts[0].headers["etag"]

        answers: list[httpx.Response] = []

        def finalize() -> None:
            with httpx.Client(base_url=served.url, timeout=120) as own:
                answers.append(
                    own.post(f"/v1/billing-runs/{run['id']}/finalize", headers=served.auth("billing"))
                )

        threads = [threading.Thread(target=finalize) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        finals = [client.get(basis, headers=served.auth("billing")) for _ in range(12)]
        revalidated = [
            client.get(basis, headers={**served.auth("billing"), "If-None-Match": draft_etag})
            for _ in range(12)
        ]
        client.close()
        _code, lines = served.stop()
    assert {a.status_code for a in answers} == {200}
    assert {a.json()["state"] for a in answers} == {"final"}
    assert [line["event"] for line in lines if line.get("event") == "run.finalized"] == ["run.finalized"]
    assert {f.json()["run"]["state"] for f in finals} == {"final"}
    assert draft_etag not in {f.headers["etag"] for f in finals}
    assert {r.status_code for r in revalidated} == {200}  # never a 304 for the draft's bytes


def _heavy_body(episodes: int) -> bytes:
    frame = synth_episodes(month_range(MONTH), episodes_per_month=episodes, seed=5)
    return json.dumps({"month": MONTH, "episodes": frame.to_dicts()}, default=str).encode()


def _calculate_all(
    served: Served, body: bytes, n: int, after: float
) -> tuple[list[tuple[Any, float]], float]:
    """``n`` heavy calculations at once, SIGTERM ``after`` seconds in: (status, seconds) each,
    and when the signal was sent (same clock)."""
    results: list[tuple[Any, float]] = []
    headers = {**served.auth("analyst"), "Content-Type": "application/json"}

    def call() -> None:
        try:
            answer = httpx.post(f"{served.url}/v1/betalningsansvar/calculate", content=body, headers=headers,
                                timeout=120)  # fmt: skip
            results.append(((answer.status_code, answer.headers.get("retry-after")), time.monotonic()))
        except httpx.TransportError as exc:
            results.append((type(exc).__name__, time.monotonic()))

    threads = [threading.Thread(target=call) for _ in range(n)]
    for thread in threads:
        thread.start()
    time.sleep(after)
    served.process.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    for thread in threads:
        thread.join()
    return results, signalled


def test_sigterm_lets_the_requests_in_flight_finish_then_closes_the_database(tmp_path: Path) -> None:
    with serving(str(tmp_path / "runs.sqlite"), "--grace", "60") as served:
        results, signalled = _calculate_all(served, _heavy_body(30_000), 3, after=0.5)
        err = served.wait()
        stopped = time.monotonic()
    assert [status for status, _at in results] == [(200, None)] * 3
    assert max(at for _status, at in results) > signalled  # still being answered after the signal
    assert stopped - signalled < 60
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert [line["event"] for line in lines if line.get("event") == "stopped"] == ["stopped"]


def test_past_the_grace_a_request_is_told_to_send_again_and_the_server_still_stops(tmp_path: Path) -> None:
    with serving(str(tmp_path / "runs.sqlite"), "--grace", "0") as served:
        results, signalled = _calculate_all(served, _heavy_body(30_000), 4, after=0.3)
        served.wait()
        stopped = time.monotonic()
    statuses = [status for status, _at in results]
    assert set(statuses) <= {(200, None), (503, "5")}, statuses
    assert (503, "5") in statuses
    assert stopped - signalled < 30  # a busy worker does not keep it running
    assert os.name == "posix"
