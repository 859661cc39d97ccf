"""``POST /v1/prognos``: Läget i dag over HTTP, the same contract as ``hos-avtal prognos``."""

from __future__ import annotations

import datetime as dt

import pytest

import test_api
from helpers import episode, frame
from hos_avtal.forecasts import prognos
from hos_avtal.forecasts._report import contract
from test_api import Api, records
from test_storage import database_url  # noqa: F401  (the database fixture)

pytestmark = pytest.mark.anyio
api = test_api.api  # the app with a key per role, on SQLite and PostgreSQL

EPISODES = frame(
    episode("d6", 6, ready=dt.date(2022, 3, 5)),
    episode("w7", None, ready=dt.date(2022, 3, 13)),
    episode("b", None, kommun="1490", ready=dt.date(2022, 3, 13)),
    episode("nc", None, ready=dt.date(2022, 3, 15), sip_needed=True, sip_invited=False),
    episode("oo", None, kommun="0180", ready=dt.date(2022, 3, 13)),
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_the_prognos_is_the_cli_contract(api: Api) -> None:
    body = {"date": "2022-03-20", "episodes": records(EPISODES)}
    response = await api.client.post("/v1/prognos", json=body, headers=api.auth("analyst"))
    assert response.status_code == 200, response.text
    assert response.json() == contract(prognos(EPISODES, dt.date(2022, 3, 20)))
    own = await api.client.post("/v1/prognos", json={**body, "kommun": "1480"}, headers=api.auth("billing"))
    assert [m["kommun"] for m in own.json()["municipalities"]] == ["1480"]
    assert [p["episode_id"] for p in own.json()["waiting"]] == ["w7", "nc"]
    assert own.json()["waiting"][1]["reasons"] == ["sip_not_invited"]


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"date": "2099-01-01"}, 422),
        ({"date": "2022-03-20T00:00:00"}, 422),
        ({"date": "2022-13-01"}, 422),
        ({"kommun": "9999"}, 422),
        ({"daily_amount_sek": "9,300"}, 422),
        ({"ruleset": "/etc/passwd"}, 422),
    ],
)
async def test_a_bad_prognos_request_is_a_problem(api: Api, change: dict[str, str], status: int) -> None:
    body = {"date": "2022-03-20", "episodes": records(EPISODES), **change}
    response = await api.client.post("/v1/prognos", json=body, headers=api.auth("analyst"))
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_kommun_key_may_not_post_a_prognos(api: Api) -> None:
    body = {"date": "2022-03-20", "episodes": records(EPISODES)}
    assert (await api.client.post("/v1/prognos", json=body, headers=api.auth("kommun"))).status_code == 403
