"""The HTTP API through the real application (httpx ASGI transport), on SQLite and PostgreSQL.

The access matrix is one table (role × endpoint → status) checked in one pass per database, so
the table reads as the policy it tests.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import polars as pl
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from hos_avtal.api import create_app, create_key, revoke_key
from hos_avtal.storage._models import audit_log, idempotency_key, metadata
from hos_avtal.synth import month_range, synth_episodes, synth_placements, synth_visits
from test_storage import database_url, personnummer  # noqa: F401  (the database fixture)

pytestmark = pytest.mark.anyio

MONTH = "2022-06"
MONEY = r"^-?\d+\.\d{2}$"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Frame rows as JSON objects the API accepts: ISO dates, money with two decimals."""
    rows = frame.to_dicts()
    for row in rows:
        for name, value in row.items():
            if isinstance(value, dt.date):
                row[name] = value.isoformat()
            elif name.endswith("_sek") and value is not None:
                row[name] = str(Decimal(str(value).replace(",", ".")).quantize(Decimal("0.01")))
    return rows


EPISODES = records(synth_episodes(month_range(MONTH), episodes_per_month=150, seed=3))
VISITS = records(synth_visits(month_range(MONTH), visits_per_month=60, seed=3))
_PLACEMENTS, _COSTS, _AGREEMENTS = synth_placements(month_range("2023-06"), placements=20, seed=3)
PLACEMENTS_BODY = {
    "placements": records(_PLACEMENTS),
    "costs": records(_COSTS),
    "agreements": records(_AGREEMENTS),
}


class Api:
    """The app, a key per role (the kommun key is Göteborg's, 1480), and an httpx client."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient, tokens: dict[str, str], ids: dict[str, int]):
        self.app, self.client, self.tokens, self.ids = app, client, tokens, ids

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    async def create_run(self, episodes: list[dict[str, Any]] = EPISODES, **extra: Any) -> httpx.Response:
        body = {"month": MONTH, "episodes": episodes, **extra}
        return await self.client.post("/v1/billing-runs", json=body, headers=self.auth("billing"))


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:  # noqa: F811
    app = create_app(database_url)
    db = app.state.database
    tokens, ids = {}, {}
    for role in ("admin", "billing", "analyst", "kommun"):
        key, token = create_key(db, role, "1480" if role == "kommun" else None)
        tokens[role], ids[role] = token, key.id
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Api(app, client, tokens, ids)
    db.close()


# ------------------------------------------------------------------------------ access matrix

ALL = {"admin", "billing", "analyst", "kommun"}
CALC = {"admin", "billing", "analyst"}
WRITE = {"admin", "billing"}

# (method, path, body key, roles allowed, status when allowed); others get 403 unless said.
ENDPOINTS: list[tuple[str, str, str | None, set[str], int]] = [
    ("GET", "/v1/municipalities", None, ALL, 200),
    ("GET", "/v1/me", None, ALL, 200),
    ("GET", "/v1/rulesets", None, ALL, 200),
    ("GET", "/v1/rulesets/vgr-2023", None, ALL, 200),
    ("POST", "/v1/betalningsansvar/calculate", "betalningsansvar", CALC, 200),
    ("POST", "/v1/placements/calculate", "placements", CALC, 200),
    ("POST", "/v1/home-care/calculate", "home_care", CALC, 200),
    ("POST", "/v1/billing-runs", "run", WRITE, 200),  # 200: the identical run exists already
    ("GET", "/v1/billing-runs", None, ALL, 200),
    ("GET", "/v1/billing-runs/{run}", None, ALL, 200),
    ("GET", "/v1/billing-runs/{run}/municipalities/1480", None, ALL, 200),
    ("POST", "/v1/billing-runs/{run}/finalize", None, WRITE, 200),
]


async def test_a_key_says_its_own_role_and_municipality(api: Api) -> None:
    for role in ("admin", "billing", "analyst", "kommun"):
        me = (await api.client.get("/v1/me", headers=api.auth(role))).json()
        kommun = ("1480", "Göteborg") if role == "kommun" else (None, None)
        assert me == {"key_id": api.ids[role], "role": role, "kommun": kommun[0], "kommun_name": kommun[1]}
        assert api.tokens[role] not in str(me)
    assert (await api.client.get("/v1/me")).status_code == 401


async def test_access_matrix_of_every_role(api: Api) -> None:
    created = await api.create_run()
    assert created.status_code == 201, created.text
    run = created.json()["id"]
    bodies = {
        "betalningsansvar": {"month": MONTH, "episodes": EPISODES[:20]},
        "placements": PLACEMENTS_BODY,
        "home_care": {"visits": VISITS},
        "run": {"month": MONTH, "episodes": EPISODES},
    }
    expected: dict[tuple[str, str, str], int] = {}
    actual: dict[tuple[str, str, str], int] = {}
    for method, template, body, allowed, status in ENDPOINTS:
        path = template.format(run=run)
        for role in sorted(ALL):
            json = bodies[body] if body else None
            response = await api.client.request(method, path, json=json, headers=api.auth(role))
            expected[(role, method, template)] = status if role in allowed else 403
            actual[(role, method, template)] = response.status_code
            if response.status_code == 403:
                assert response.headers["content-type"] == "application/problem+json"
    assert actual == expected


async def test_kommun_key_sees_only_its_own_municipality(api: Api) -> None:
    run = (await api.create_run()).json()["id"]
    own = await api.client.get(f"/v1/billing-runs/{run}/municipalities/1480", headers=api.auth("kommun"))
    assert own.status_code == 200
    assert own.json()["kommun"] == "1480"
    other = await api.client.get(f"/v1/billing-runs/{run}/municipalities/1401", headers=api.auth("kommun"))
    assert other.status_code == 404
    assert set(other.json()) == {"type", "title", "status", "detail", "instance"}  # a problem, no figures
    for fmt in ("csv", "xlsx", "pdf"):
        url = f"/v1/billing-runs/{run}/municipalities/1401?format={fmt}"
        assert (await api.client.get(url, headers=api.auth("kommun"))).status_code == 404
    detail = (await api.client.get(f"/v1/billing-runs/{run}", headers=api.auth("kommun"))).json()
    assert [m["kommun"] for m in detail["municipalities"]] == ["1480"]
    everyone = (await api.client.get(f"/v1/billing-runs/{run}", headers=api.auth("analyst"))).json()
    assert len(everyone["municipalities"]) == 49
    listed = (await api.client.get("/v1/billing-runs", headers=api.auth("kommun"))).json()
    assert [r["id"] for r in listed["runs"]] == [run]
    assert "municipalities" not in listed["runs"][0]


async def test_no_key_bad_key_and_revoked_key_are_401(api: Api) -> None:
    url = "/v1/municipalities"
    for headers in ({}, {"Authorization": "Bearer hk_wrong"}, {"Authorization": "Basic abc"}):
        response = await api.client.get(url, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["status"] == 401
    assert (await api.client.get(url, headers=api.auth("analyst"))).status_code == 200
    revoke_key(api.app.state.database, api.ids["analyst"])
    assert (await api.client.get(url, headers=api.auth("analyst"))).status_code == 401


async def test_health_openapi_and_docs_need_no_key(api: Api) -> None:
    health = await api.client.get("/v1/health")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert (await api.client.get("/openapi.json")).status_code == 200
    assert (await api.client.get("/docs")).status_code == 200


# --------------------------------------------------------------------------- calculations


async def test_betalningsansvar_calculation_is_the_cli_contract_with_money_strings(api: Api) -> None:
    body = {"month": MONTH, "episodes": EPISODES, "include_episodes": True}
    response = await api.client.post("/v1/betalningsansvar/calculate", json=body, headers=api.auth("analyst"))
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["month"] == MONTH
    assert len(result["municipalities"]) == 49
    assert result["episodes"]
    assert "person_id" not in result["episodes"][0]
    for m in result["municipalities"]:
        for field in ("average_amount_sek", "individual_amount_sek", "total_amount_sek"):
            assert isinstance(m[field], str)
            assert pl.Series([m[field]]).str.contains(MONEY).all()
    overridden = await api.client.post(
        "/v1/betalningsansvar/calculate",
        json={"month": MONTH, "episodes": EPISODES, "daily_amount_sek": "1000.00", "ruleset": "vgr-2018"},
        headers=api.auth("analyst"),
    )
    assert overridden.json()["daily_amount_sek"] == "1000.00"


async def test_a_rule_set_is_named_by_id_never_by_a_server_path(api: Api) -> None:
    body = {"month": MONTH, "episodes": EPISODES[:5], "ruleset": "pyproject.toml"}
    response = await api.client.post("/v1/betalningsansvar/calculate", json=body, headers=api.auth("analyst"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "ruleset"


async def test_bad_episodes_are_problems_naming_row_column_and_reason(api: Api) -> None:
    episodes = [dict(e) for e in EPISODES[:5]]
    episodes[1]["kommun"] = "9999"
    episodes[3]["discharge_date"] = "2022-01-01"
    episodes[4]["episode_id"] = episodes[0]["episode_id"]
    response = await api.client.post(
        "/v1/betalningsansvar/calculate",
        json={"month": MONTH, "episodes": episodes},
        headers=api.auth("analyst"),
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/invalid-input")
    assert problem["instance"] == "/v1/betalningsansvar/calculate"
    located = {(e["source"], e["row"], e["column"]) for e in problem["errors"]}
    assert {
        ("episodes", 2, "kommun"),
        ("episodes", 4, "discharge_date"),
        ("episodes", 5, "episode_id"),
    } <= located
    assert all(e["reason"] for e in problem["errors"])


async def test_json_type_errors_are_located_like_input_problems(api: Api) -> None:
    episodes = [dict(e) for e in EPISODES[:3]]
    episodes[2]["ready_date"] = "not a date"
    body = {"month": "2022-13", "episodes": episodes}
    response = await api.client.post("/v1/betalningsansvar/calculate", json=body, headers=api.auth("analyst"))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"source": "episodes", "row": 3, "column": "ready_date"}.items() <= next(
        e for e in errors if e["column"] == "ready_date"
    ).items()
    assert any(e["field"] == "month" for e in errors)
    assert "not a date" not in response.text  # submitted values are never echoed


async def test_placements_and_home_care_calculations(api: Api) -> None:
    placements = await api.client.post(
        "/v1/placements/calculate", json=PLACEMENTS_BODY, headers=api.auth("billing")
    )
    assert placements.status_code == 200, placements.text
    assert len(placements.json()["municipalities"]) == 49
    home = await api.client.post(
        "/v1/home-care/calculate", json={"visits": VISITS}, headers=api.auth("billing")
    )
    assert home.status_code == 200, home.text
    assert [m["month"] for m in home.json()] == [MONTH]


async def test_calculations_read_json_bodies_only_and_document_them(api: Api) -> None:
    """The calculate routes read their bodies by hand: a body that says it is not JSON is 415, one
    without a Content-Type is read as JSON, and the OpenAPI document still gives each body's schema."""
    url = "/v1/betalningsansvar/calculate"
    body = httpx.Request("POST", url, json={"month": MONTH, "episodes": EPISODES[:5]}).content
    for media in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        headers = {**api.auth("analyst"), "Content-Type": media}
        refused = await api.client.post(url, content=body, headers=headers)
        assert refused.status_code == 415, media
        assert refused.headers["content-type"] == "application/problem+json"
    for sent in (None, "application/json; charset=utf-8", "application/x+json"):
        headers = api.auth("analyst") | ({"Content-Type": sent} if sent else {})
        accepted = await api.client.post(url, content=body, headers=headers)
        assert accepted.status_code == 200, (sent, accepted.text)
        assert accepted.json()["month"] == MONTH
    schema = (await api.client.get("/openapi.json")).json()
    for path, model in (
        (url, "BetalningsansvarRequest"),
        ("/v1/placements/calculate", "PlacementsRequest"),
        ("/v1/home-care/calculate", "HomeCareRequest"),
    ):
        operation = schema["paths"][path]["post"]
        assert operation["requestBody"]["content"]["application/json"]["schema"] == {
            "$ref": f"#/components/schemas/{model}"
        }
        assert model in schema["components"]["schemas"]
        assert "415" in operation["responses"]


# ---------------------------------------------------------------------------- request limits


async def test_oversized_body_is_413_with_and_without_content_length(database_url: str) -> None:  # noqa: F811
    app = create_app(database_url, max_body_bytes=1000)
    _key, token = create_key(app.state.database, "analyst")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    big = b'{"month": "2022-06", "episodes": [' + b'{"x": 1},' * 200 + b'{"x": 1}]}'

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(big), 100):
            yield big[i : i + 100]

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        sized = await client.post("/v1/betalningsansvar/calculate", content=big, headers=headers)
        chunked = await client.post("/v1/betalningsansvar/calculate", content=chunks(), headers=headers)
    app.state.database.close()
    for response in (sized, chunked):
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"


async def test_deep_nesting_and_malformed_json_are_4xx(api: Api) -> None:
    headers = {**api.auth("analyst"), "Content-Type": "application/json"}
    url = "/v1/betalningsansvar/calculate"
    deep = b'{"episodes": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = await api.client.post(url, content=deep, headers=headers)
    assert response.status_code == 400
    assert response.json()["type"].endswith("/too-deep")
    for bad in (b'{"month": ', b"\xff\xfe", b"[1, 2", b"null", b"[]"):
        response = await api.client.post(url, content=bad, headers=headers)
        assert 400 <= response.status_code < 500, (bad, response.status_code)
        assert response.headers["content-type"] == "application/problem+json"
    upload = await api.client.post(
        "/v1/billing-runs", content=deep, headers={**api.auth("billing"), "Content-Type": "application/json"}
    )
    assert upload.status_code == 400


# ----------------------------------------------------------------------------- billing runs


async def test_idempotent_create_replays_and_refuses_a_different_body(api: Api) -> None:
    headers = {**api.auth("billing"), "Idempotency-Key": "erp-batch-17"}
    body = {"month": MONTH, "episodes": EPISODES}
    first = await api.client.post("/v1/billing-runs", json=body, headers=headers)
    again = await api.client.post("/v1/billing-runs", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["location"] == first.headers["location"] == f"/v1/billing-runs/{first.json()['id']}"
    assert again.headers["idempotent-replayed"] == "true"
    other = await api.client.post(
        "/v1/billing-runs", json={**body, "episodes": EPISODES[:10]}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
    without_key = await api.create_run()
    assert without_key.status_code == 200
    assert without_key.json()["id"] == first.json()["id"]
    with api.app.state.database.read() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(idempotency_key)).scalar_one() == 1


async def test_billing_run_lifecycle_list_filters_and_finalize(api: Api) -> None:
    created = await api.create_run(visits=VISITS, daily_amount_sek="9300.00")
    assert created.status_code == 201, created.text
    run = created.json()
    assert run["state"] == "draft"
    assert run["month"] == MONTH
    assert run["daily_amount_sek"] == "9300.00"
    assert run["created_by"] == f"api-key:{api.ids['billing']}"
    listed = await api.client.get(
        "/v1/billing-runs", params={"month": MONTH, "state": "draft"}, headers=api.auth("analyst")
    )
    assert [r["id"] for r in listed.json()["runs"]] == [run["id"]]
    none = await api.client.get("/v1/billing-runs", params={"state": "final"}, headers=api.auth("analyst"))
    assert none.json()["runs"] == []
    final = await api.client.post(f"/v1/billing-runs/{run['id']}/finalize", headers=api.auth("billing"))
    assert final.status_code == 200
    assert final.json()["state"] == "final"
    detail = (await api.client.get(f"/v1/billing-runs/{run['id']}", headers=api.auth("analyst"))).json()
    assert {i["kind"] for i in detail["inputs"]} == {"episodes", "visits"}
    row = next(m for m in detail["municipalities"] if m["kommun"] == "1480")
    assert row["home_care_net_sek"] is not None
    assert row["placements_settlement_sek"] is None
    missing = await api.client.get("/v1/billing-runs/999999", headers=api.auth("analyst"))
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


async def test_billing_run_from_uploaded_files(api: Api) -> None:
    csv = io.BytesIO()
    pl.DataFrame(EPISODES).write_csv(csv)
    parquet = io.BytesIO()
    pl.DataFrame(VISITS).with_columns(pl.col("date").str.to_date()).write_parquet(parquet)
    files = {
        "episodes": ("episodes.csv", csv.getvalue(), "text/csv"),
        "visits": ("visits.parquet", parquet.getvalue(), "application/octet-stream"),
    }
    response = await api.client.post(
        "/v1/billing-runs", data={"month": MONTH}, files=files, headers=api.auth("billing")
    )
    assert response.status_code == 201, response.text
    bad = pl.DataFrame(EPISODES[:3]).with_columns(pl.lit("9999").alias("kommun"))
    buffer = io.BytesIO()
    bad.write_csv(buffer)
    refused = await api.client.post(
        "/v1/billing-runs",
        data={"month": MONTH},
        files={"episodes": ("e.csv", buffer.getvalue(), "text/csv")},
        headers=api.auth("billing"),
    )
    assert refused.status_code == 422
    assert {(e["source"], e["row"], e["column"]) for e in refused.json()["errors"]} == {
        ("episodes", 2, "kommun"), ("episodes", 3, "kommun"), ("episodes", 4, "kommun")
    }  # fmt: skip
    no_month = await api.client.post(
        "/v1/billing-runs", files={"episodes": ("e.csv", b"x", "text/csv")}, headers=api.auth("billing")
    )
    assert no_month.status_code == 422
    assert no_month.json()["errors"][0]["field"] == "month"
    text = await api.client.post(
        "/v1/billing-runs",
        content=b"month=2022-06",
        headers={**api.auth("billing"), "Content-Type": "text/plain"},
    )
    assert text.status_code == 415


async def test_invoice_basis_in_every_format_by_accept_and_by_query(api: Api) -> None:
    run = (await api.create_run()).json()["id"]
    url = f"/v1/billing-runs/{run}/municipalities/1480"
    as_json = await api.client.get(url, headers=api.auth("kommun"))
    basis = as_json.json()
    assert basis["draft"] is True
    assert basis["kommun"] == "1480"
    assert (
        pl.Series([basis["grand_total_sek"], basis["betalningsansvar"]["total_amount_sek"]])
        .str.contains(MONEY)
        .all()
    )
    expected = {"csv": "text/csv", "xlsx": XLSX, "pdf": "application/pdf"}
    for fmt, media in expected.items():
        by_query = await api.client.get(url, params={"format": fmt}, headers=api.auth("kommun"))
        by_accept = await api.client.get(url, headers={**api.auth("kommun"), "Accept": media})
        for response in (by_query, by_accept):
            assert response.status_code == 200
            assert response.headers["content-type"].startswith(media)
            assert f"-1480-goteborg.{fmt}" in response.headers["content-disposition"]
        assert len(by_query.content) == len(by_accept.content) > 100
    assert (
        await api.client.get(url, headers={**api.auth("kommun"), "Accept": "image/png"})
    ).status_code == 406
    assert by_query.content[:4] == b"%PDF"


# ----------------------------------------------------------------------- audit and privacy


async def test_writes_are_audited_with_key_id_and_never_bodies(api: Api) -> None:
    run = (await api.create_run()).json()["id"]
    await api.client.post(f"/v1/billing-runs/{run}/finalize", headers=api.auth("admin"))
    await api.client.post(f"/v1/billing-runs/{run}/finalize", headers=api.auth("analyst"))  # 403
    with api.app.state.database.read() as connection:
        rows = [dict(r._mapping) for r in connection.execute(sa.select(audit_log).order_by(audit_log.c.id))]
    assert [(r["key_id"], r["method"], r["path"], r["status"], r["resource_id"]) for r in rows] == [
        (api.ids["billing"], "POST", "/v1/billing-runs", 201, str(run)),
        (api.ids["admin"], "POST", f"/v1/billing-runs/{run}/finalize", 200, str(run)),
        (api.ids["analyst"], "POST", f"/v1/billing-runs/{run}/finalize", 403, None),
    ]
    assert all(isinstance(r["at"], dt.datetime) for r in rows)


def audit_rows(api: Api) -> list[tuple[str, str, int]]:
    with api.app.state.database.read() as connection:
        rows = connection.execute(sa.select(audit_log).order_by(audit_log.c.id)).all()
    return [(r.method, r.path, r.status) for r in rows]


async def test_calculations_store_nothing_so_they_are_not_audited(api: Api) -> None:
    body = {"month": MONTH, "episodes": EPISODES[:20]}
    calls = [
        ("/v1/betalningsansvar/calculate", body, "analyst"),
        ("/v1/betalningsansvar/calculate", body, "kommun"),
        ("/v1/betalningsansvar/calculate", {**body, "month": "x"}, "analyst"),
        ("/v1/placements/calculate", PLACEMENTS_BODY, "billing"),
        ("/v1/home-care/calculate", {"visits": VISITS}, "admin"),
    ]
    statuses = []
    for path, json, role in calls:
        statuses.append((await api.client.post(path, json=json, headers=api.auth(role))).status_code)
    assert statuses == [200, 403, 422, 200, 200]
    assert audit_rows(api) == []
    run = (await api.create_run()).json()["id"]
    refused = await api.client.post(f"/v1/billing-runs/{run}/finalize", headers=api.auth("kommun"))
    assert refused.status_code == 403
    assert audit_rows(api) == [
        ("POST", "/v1/billing-runs", 201),
        ("POST", f"/v1/billing-runs/{run}/finalize", 403),
    ]


async def test_a_personnummer_never_reaches_the_database_or_the_logs(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    pnr = personnummer("19121212", "121")
    episodes = [dict(e) for e in EPISODES]
    episodes[0]["episode_id"] = pnr
    episodes[1]["person_id"] = pnr
    caplog.set_level(logging.DEBUG)
    created = await api.create_run(episodes=episodes)
    assert created.status_code == 201, created.text
    run = created.json()["id"]
    refused = await api.client.post(
        "/v1/betalningsansvar/calculate",
        json={"month": MONTH, "episodes": episodes},
        headers=api.auth("analyst"),
    )
    assert refused.status_code == 422
    assert pnr not in refused.text
    basis = await api.client.get(
        f"/v1/billing-runs/{run}/municipalities/{EPISODES[0]['kommun']}", headers=api.auth("admin")
    )
    assert pnr not in basis.text
    assert pnr.replace("-", "") not in basis.text
    assert pnr not in caplog.text
    assert pnr.replace("-", "") not in caplog.text
    digits = pnr.replace("-", "")
    with api.app.state.database.read() as connection:
        for table in metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, sa.String | sa.Text):
                    values = connection.execute(sa.select(column).where(column.is_not(None))).scalars().all()
                    assert not any(pnr in v or digits in v for v in values), (table.name, column.name)


def test_key_cli_creates_lists_and_revokes(
    tmp_path: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers import run_cli

    db = str(tmp_path / "keys.sqlite")

    def cli(*args: str) -> str:
        code, out, err = run_cli(capsys, monkeypatch, *args, "--db", db)
        assert code == 0, err
        return out

    token = cli("keys", "create", "--role", "kommun", "--kommun", "1480").strip()
    assert token.startswith("hk_")
    assert len(token) > 40
    listed = cli("keys", "list")
    assert '"role": "kommun"' in listed
    assert token not in listed
    cli("keys", "revoke", "1")
    assert '"revoked_at": null' not in cli("keys", "list")
    code, _out, err = run_cli(capsys, monkeypatch, "keys", "create", "--role", "kommun", "--db", db)
    assert code == 2
    assert "--kommun" in err
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT token_sha256 FROM api_key")).scalar_one()
    engine.dispose()
    assert token not in stored
    assert len(stored) == 64


async def test_an_upload_form_is_held_to_its_model_field_by_field(api: Api) -> None:
    """The multipart form of a billing run is validated as BillingRunForm: a text where a file
    belongs, an unknown field (a typo such as ``acept``) and a bad month are each named."""
    upload = {"episodes": ("e.csv", pl.DataFrame(EPISODES).write_csv().encode(), "text/csv")}
    cases = [
        ({"month": MONTH, "visits": "not a file"}, upload, "visits", "uploaded CSV or Parquet file"),
        ({"month": MONTH, "acept": "long_wait"}, upload, "acept", "Extra inputs"),
        ({"month": "2022-13"}, upload, "month", "pattern"),
        ({"month": MONTH, "daily_amount_sek": "9300"}, upload, "daily_amount_sek", "pattern"),
        ({"month": MONTH}, None, "episodes", "required"),
    ]
    for data, files, field, reason in cases:
        response = await api.client.post(
            "/v1/billing-runs",
            data=data,
            files=files or {"x": ("x", b"", "text/csv")},
            headers=api.auth("billing"),
        )
        assert response.status_code == 422, (data, response.text)
        errors = response.json()["errors"]
        assert any(e["field"] == field and reason in e["reason"] for e in errors), (field, errors)
    listed = await api.client.get("/v1/billing-runs", headers=api.auth("billing"))
    assert listed.json()["runs"] == []


async def test_the_upload_forms_are_documented_from_their_models(api: Api) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    for path, model in (("/v1/billing-runs", "BillingRunForm"), ("/v1/scenarios/datasets", "DatasetUpload")):
        form = spec["paths"][path]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
        assert form == {"$ref": f"#/components/schemas/{model}"}
        fields = spec["components"]["schemas"][model]["properties"]
        episodes = fields["episodes"].get("anyOf", [fields["episodes"]])[0]
        assert episodes["contentMediaType"] == "application/octet-stream"
    assert spec["components"]["schemas"]["BillingRunForm"]["required"] == ["month", "episodes"]
