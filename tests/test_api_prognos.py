"""``POST /v1/prognos``: Läget i dag over HTTP, the same contract as ``hos-avtal prognos``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

import test_api
from helpers import episode, frame
from hos_avtal.forecasts import contract, prognos
from hos_avtal.storage import audit_log
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


# --------------------------------------------------------------------------- the daily flow


async def store(api: Api, role: str = "billing", **change: Any) -> httpx.Response:
    body = {"date": "2022-03-20", "episodes": records(EPISODES), **change}
    return await api.client.post("/v1/prognos/snapshots", json=body, headers=api.auth(role))


async def test_the_billing_office_stores_the_day_and_everyone_reads_it(api: Api) -> None:
    stored = await store(api)
    assert stored.status_code == 201, stored.text
    assert stored.headers["location"] == "/v1/prognos/2022-03-20"
    # The out-of-county patient waits too, but is reported apart, never as the 49's.
    counts = stored.json()
    assert (counts["episodes"], counts["waiting_episodes"], counts["replaced"]) == (5, 3, False)
    expected = contract(prognos(EPISODES, dt.date(2022, 3, 20)))
    for role in ("admin", "billing", "analyst"):
        for url in ("/v1/prognos/latest", "/v1/prognos/2022-03-20"):
            read = await api.client.get(url, headers=api.auth(role))
            assert read.status_code == 200, read.text
            body = read.json()
            assert body.pop("snapshot")["id"] == stored.json()["id"]
            assert body == expected
    one = await api.client.get("/v1/prognos/latest", params={"kommun": "1490"}, headers=api.auth("analyst"))
    assert [w["episode_id"] for w in one.json()["waiting"]] == ["b"]


async def test_a_kommun_key_sees_only_its_own_part(api: Api) -> None:
    await store(api)
    own = await api.client.get("/v1/prognos/latest", headers=api.auth("kommun"))  # Göteborg's key
    assert [m["kommun"] for m in own.json()["municipalities"]] == ["1480"]
    assert {w["kommun"] for w in own.json()["waiting"]} == {"1480"}
    assert own.json()["outside_agreement"] == []
    asked = await api.client.get(
        "/v1/prognos/2022-03-20", params={"kommun": "1480"}, headers=api.auth("kommun")
    )
    assert asked.json()["municipalities"] == own.json()["municipalities"]
    for url in ("/v1/prognos/latest", "/v1/prognos/2022-03-20"):
        other = await api.client.get(url, params={"kommun": "1490"}, headers=api.auth("kommun"))
        assert other.status_code == 404
        assert "1490" not in other.text
    assert (await api.client.get("/v1/prognos/snapshots", headers=api.auth("kommun"))).status_code == 403


@pytest.mark.parametrize("role", ["analyst", "kommun"])
async def test_only_billing_stores_or_deletes_a_snapshot(api: Api, role: str) -> None:
    assert (await store(api, role)).status_code == 403
    await store(api)
    refused = await api.client.delete("/v1/prognos/2022-03-20", headers=api.auth(role))
    assert refused.status_code == 403


async def test_a_newer_snapshot_replaces_and_a_retry_replays(api: Api) -> None:
    first = await store(api)
    again = await store(api, episodes=records(EPISODES.head(2)))
    assert again.json()["replaced"] is True
    assert again.json()["id"] != first.json()["id"]
    latest = (await api.client.get("/v1/prognos/latest", headers=api.auth("analyst"))).json()
    assert latest["snapshot"]["id"] == again.json()["id"]
    headers = {**api.auth("billing"), "Idempotency-Key": "morning-2022-03-21"}
    body = {"date": "2022-03-21", "episodes": records(EPISODES)}
    once = await api.client.post("/v1/prognos/snapshots", json=body, headers=headers)
    twice = await api.client.post("/v1/prognos/snapshots", json=body, headers=headers)
    assert twice.headers["idempotent-replayed"] == "true"
    assert twice.json() == once.json()
    listed = (await api.client.get("/v1/prognos/snapshots", headers=api.auth("billing"))).json()["snapshots"]
    assert [s["date"] for s in listed] == ["2022-03-21", "2022-03-20"]


async def test_an_unchanged_answer_is_a_304(api: Api) -> None:
    await store(api)
    first = await api.client.get("/v1/prognos/latest", headers=api.auth("kommun"))
    etag = first.headers["etag"]
    cached = await api.client.get("/v1/prognos/latest", headers={**api.auth("kommun"), "If-None-Match": etag})
    assert (cached.status_code, cached.content) == (304, b"")
    await store(api, episodes=records(EPISODES.head(2)))
    fresh = await api.client.get("/v1/prognos/latest", headers={**api.auth("kommun"), "If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] != etag


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/v1/prognos/latest", 404),  # nothing stored yet
        ("/v1/prognos/2022-03-19", 404),
        ("/v1/prognos/2022-13-01", 422),
        ("/v1/prognos/20220320", 422),
        ("/v1/prognos/latest?kommun=9999", 422),
        ("/v1/prognos/latest?kommun=abcd", 422),
    ],
)
async def test_a_bad_read_is_a_problem(api: Api, url: str, status: int) -> None:
    response = await api.client.get(url, headers=api.auth("analyst"))
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "change",
    [{"date": "2099-01-01"}, {"date": "2022-13-01"}, {"ruleset": "../vgr-2023"}, {"episodes": []}],
)
async def test_a_bad_snapshot_stores_nothing(api: Api, change: dict[str, Any]) -> None:
    response = await store(api, **change)
    assert response.status_code == 422, response.text
    assert (await api.client.get("/v1/prognos/latest", headers=api.auth("analyst"))).status_code == 404


async def test_a_bad_row_is_named_and_nothing_is_stored(api: Api) -> None:
    rows = records(EPISODES)
    rows[2]["kommun"] = "9999"
    response = await store(api, episodes=rows)
    assert response.status_code == 422
    assert [(e["source"], e["row"], e["column"]) for e in response.json()["errors"]] == [
        ("episodes", 3, "kommun")
    ]
    assert (await api.client.get("/v1/prognos/latest", headers=api.auth("analyst"))).status_code == 404


async def test_snapshots_are_audited_and_keep_no_personnummer(api: Api) -> None:
    from test_storage import personnummer

    number = personnummer("19121212", "121")
    rows = records(EPISODES)
    rows[1]["episode_id"] = number
    stored = await store(api, episodes=rows)
    assert stored.status_code == 201, stored.text
    latest = await api.client.get("/v1/prognos/latest", headers=api.auth("kommun"))
    assert number not in latest.text
    assert number.replace("-", "") not in latest.text
    assert any(w["episode_id"].startswith("pn-") for w in latest.json()["waiting"])
    deleted = await api.client.delete("/v1/prognos/2022-03-20", headers=api.auth("billing"))
    assert deleted.status_code == 204
    # A date is ten characters, as long as a personnummer's digits: the row names the template
    # and, as its resource, the day.
    assert audit_rows(api) == [
        ("POST", "/v1/prognos/snapshots", 201, "2022-03-20"),
        ("DELETE", "/v1/prognos/{day}", 204, "2022-03-20"),
    ]


def audit_rows(api: Api) -> list[tuple[str, str, int, str | None]]:
    with api.app.state.database.read() as connection:
        rows = connection.execute(sa.select(audit_log).order_by(audit_log.c.id)).all()
    return [(r.method, r.path, r.status, r.resource_id) for r in rows]
