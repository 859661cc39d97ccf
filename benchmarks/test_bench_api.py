"""pytest-benchmark: one in-process ``POST /v1/betalningsansvar/calculate`` with 1 000 episodes.

The real app (``hos_avtal.api.create_app`` on a temporary SQLite database, an admin key from
``hos-avtal keys create``) against the floor (``api_floor.py``, parse and echo), both through
httpx's ASGI transport: no socket, no uvicorn, so this is the framework and the endpoint alone.
Skipped when ``hos_avtal.api`` is not there.

Run::

    .venv/bin/python -m pytest benchmarks/test_bench_api.py --benchmark-only
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from load_api import calculate_body, create_key

try:
    from hos_avtal.api import create_app
except ImportError:
    pytest.skip("hos_avtal.api (issue 5) is not there", allow_module_level=True)

PATH = "/v1/betalningsansvar/calculate"
SIZE = 1_000


@pytest.fixture(scope="module")
def body() -> bytes:
    return calculate_body(SIZE)


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def _post(loop: asyncio.AbstractEventLoop, app: Any, headers: dict[str, str], body: bytes) -> int:
    import httpx

    async def once() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as client:
            response = await client.post(PATH, content=body)
            assert response.status_code == 200, response.text[:500]
            return len(response.content)

    return loop.run_until_complete(once())


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, str]]:
    folder: Path = tmp_path_factory.mktemp("api")
    db = f"sqlite:///{folder / 'bench.sqlite'}"
    key = create_key(db)
    app = create_app(db)
    return app, {"authorization": f"Bearer {key}", "content-type": "application/json"}


def test_calculate_real(benchmark: Any, loop: asyncio.AbstractEventLoop, real: Any, body: bytes) -> None:
    app, headers = real
    assert benchmark(_post, loop, app, headers, body) > 0


def test_calculate_floor(benchmark: Any, loop: asyncio.AbstractEventLoop, body: bytes) -> None:
    from api_floor import app

    headers = {"content-type": "application/json"}
    assert benchmark(_post, loop, app, headers, body) > 0
