"""Per-key limits (issue 18): concurrent and per-minute requests past the limit are a 429 problem
with ``Retry-After``, counted in ``/metrics``; another key, and requests without one, go on."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from helpers import run_cli
from hos_avtal.api import LIMIT_ENV, create_app, create_key
from hos_avtal.months import month_range
from hos_avtal.synth import synth_episodes
from test_api import MONTH, anyio_backend  # noqa: F401  (fixtures)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def limited(tmp_path: Any) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str], dict[str, str]]]:
    app = create_app(str(tmp_path / "runs.sqlite"), key_concurrency=1, key_requests_per_minute=3)
    one = {"Authorization": f"Bearer {create_key(app.state.database, 'analyst')[1]}"}
    other = {"Authorization": f"Bearer {create_key(app.state.database, 'analyst')[1]}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client, one, other
    app.state.database.close()


async def test_past_the_per_minute_limit_a_key_is_told_when_to_come_back(
    limited: tuple[httpx.AsyncClient, dict[str, str], dict[str, str]],
) -> None:
    client, one, other = limited
    statuses = [(await client.get("/v1/municipalities", headers=one)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = await client.get("/v1/municipalities", headers=one)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 20  # 3 a minute: one back every 20 s
    assert "a minute" in refused.json()["detail"]
    assert (await client.get("/v1/municipalities", headers=other)).status_code == 200
    assert (await client.get("/v1/health")).status_code == 200  # no key, no limit


async def test_a_second_request_in_flight_past_the_concurrency_limit_is_refused(
    limited: tuple[httpx.AsyncClient, dict[str, str], dict[str, str]],
) -> None:
    client, one, _other = limited
    episodes = synth_episodes(month_range(MONTH), episodes_per_month=5000, seed=3)
    body = json.dumps({"month": MONTH, "episodes": episodes.to_dicts()}, default=str)
    headers = {**one, "Content-Type": "application/json"}
    first, second = await asyncio.gather(
        client.post("/v1/betalningsansvar/calculate", content=body, headers=headers),
        client.post("/v1/betalningsansvar/calculate", content=body, headers=headers),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 429]
    refused = second if second.status_code == 429 else first
    assert refused.headers["retry-after"] == "1"
    assert "in flight" in refused.json()["detail"]
    after = await client.get("/v1/municipalities", headers=one)  # the first one is done: room again
    assert after.status_code == 200


async def test_refusals_are_counted_in_the_metrics(tmp_path: Any) -> None:
    app = create_app(str(tmp_path / "runs.sqlite"), key_requests_per_minute=1)
    admin = {"Authorization": f"Bearer {create_key(app.state.database, 'admin')[1]}"}
    analyst = {"Authorization": f"Bearer {create_key(app.state.database, 'analyst')[1]}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        await client.get("/v1/municipalities", headers=analyst)
        assert (await client.get("/v1/municipalities", headers=analyst)).status_code == 429
        metrics = (await client.get("/metrics", headers=admin)).text
    app.state.database.close()
    assert 'hos_avtal_rate_limited_total{limit="per_minute"}' in metrics
    assert 'route="-",status="429"' in metrics  # refused before routing, logged and counted


def test_serve_gives_its_workers_the_limits(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import uvicorn

    seen: list[dict[str, str | None]] = []
    monkeypatch.setattr(
        uvicorn, "run", lambda *_a, **_k: seen.append({e: os.environ.get(e) for e in LIMIT_ENV.values()})
    )
    db = str(tmp_path / "serve.sqlite")
    assert run_cli(capsys, monkeypatch, "db", "upgrade", "--db", db)[0] == 0
    assert run_cli(capsys, monkeypatch, "serve", "--db", db)[0] == 0
    assert run_cli(capsys, monkeypatch, "serve", "--db", db, "--key-concurrency", "0",
                   "--key-requests-per-minute", "90")[0] == 0  # fmt: skip
    concurrency, per_minute = LIMIT_ENV["key_concurrency"], LIMIT_ENV["key_requests_per_minute"]
    assert [(s[concurrency], s[per_minute]) for s in seen] == [("32", "6000"), ("0", "90")]
    assert all(os.environ.get(e) is None for e in LIMIT_ENV.values())


def test_made_up_tokens_are_forgotten_but_never_one_in_flight(monkeypatch: pytest.MonkeyPatch) -> None:
    from hos_avtal.api import _limits

    monkeypatch.setattr(_limits, "_TRACKED", 3)
    limits = _limits.KeyLimits(concurrent=1, per_minute=None)
    assert limits.acquire("busy") is None  # in flight from here on
    for i in range(10):
        assert limits.acquire(f"made-up-{i}") is None
        limits.release(f"made-up-{i}")
    assert "busy" in limits._buckets
    assert len(limits._buckets) <= 4
    assert limits.acquire("busy") == ("concurrent", 1)  # still counted
