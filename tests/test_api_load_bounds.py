"""What keeps the server's memory and CPU bounded under a burst: body slots and the collector."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from hos_avtal.api import GC_THRESHOLDS, create_app
from hos_avtal.api._middleware import BodyLimitMiddleware

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Recorder:
    """An ASGI app that holds each request for a moment and records how many it held at once."""

    def __init__(self) -> None:
        self.active = self.most = self.served = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        self.active += 1
        self.most = max(self.most, self.active)
        await asyncio.sleep(0.01)
        self.active -= 1
        self.served += 1
        body = message.get("body", b"")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})


async def burst(app: BodyLimitMiddleware, requests: int, method: str = "POST") -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await asyncio.gather(
            *[client.request(method, "/", content=f"[{i}]".encode()) for i in range(requests)]
        )


@pytest.mark.parametrize("slots", [1, 3])
async def test_no_more_bodies_are_handled_at_once_than_there_are_slots(slots: int) -> None:
    inner = Recorder()
    responses = await burst(BodyLimitMiddleware(inner, max_bytes=1000, max_active=slots), 12)
    assert [r.status_code for r in responses] == [200] * 12
    assert [r.content for r in responses] == [f"[{i}]".encode() for i in range(12)]  # each its own body
    assert inner.served == 12
    assert inner.most == slots


async def test_reads_do_not_wait_for_a_body_slot() -> None:
    inner = Recorder()
    responses = await burst(BodyLimitMiddleware(inner, max_bytes=1000, max_active=1), 6, method="GET")
    assert [r.status_code for r in responses] == [200] * 6
    assert inner.most > 1


def test_a_slot_count_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        BodyLimitMiddleware(Recorder(), max_bytes=1000, max_active=0)


async def test_the_collector_thresholds_hold_while_serving_and_are_put_back(tmp_path: Path) -> None:
    before = gc.get_threshold()
    app = create_app(f"sqlite:///{tmp_path / 'api.sqlite'}")
    async with app.router.lifespan_context(app):
        assert gc.get_threshold() == GC_THRESHOLDS
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get("/v1/health")).status_code == 200
    assert gc.get_threshold() == before
