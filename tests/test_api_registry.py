"""The rules registry over HTTP: an administrator registers the 2027 agreement and the year's
amount; an invoicing system then bills January 2027 naming neither; a municipality enters its own
tariff with its own key. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

import test_api
from helpers import episode, frame
from hos_avtal import months
from hos_avtal.municipalities import parties
from hos_avtal.rules import Registry, derive_ruleset, select_ruleset, using_registry
from hos_avtal.storage import Database, audit_log, load_registry
from reference import reference_betalningsansvar
from test_api import Api, records
from test_storage import database_url  # noqa: F401  (the database fixture)

pytestmark = pytest.mark.anyio
api = test_api.api  # the app with a key per role, on SQLite and PostgreSQL

GBG, BORAS = "/v1/municipalities/1480", "/v1/municipalities/1490"
SOURCE_2027 = "HoS-avtal 2027–2030 Del C §5 (utkast)"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def after_new_year(monkeypatch: pytest.MonkeyPatch) -> None:
    """Today is 2027-02-10: January 2027 has happened and can be billed."""
    monkeypatch.setattr(months, "today", lambda: dt.date(2027, 2, 10))


def agreement_2027(changes: tuple[str, ...] = ("betalningsansvar.individual_after_days=5",)) -> str:
    return derive_ruleset(
        "vgr-2023", "vgr-2027", dt.date(2027, 1, 1), None, changes=changes, source=SOURCE_2027
    ).toml


JANUARY = records(
    frame(
        episode("e1", 6, ready=dt.date(2027, 1, 3)),
        episode("e2", 2, ready=dt.date(2027, 1, 5)),
        episode("e4", 9, kommun="1490", ready=dt.date(2027, 1, 12)),
    )
)


async def status(api: Api, method: str, path: str, role: str, body: object = None) -> int:
    return (await api.client.request(method, path, json=body, headers=api.auth(role))).status_code


async def register_2027(api: Api) -> None:
    posted = await api.client.post("/v1/rulesets", json={"toml": agreement_2027()}, headers=api.auth("admin"))
    assert posted.status_code == 201, posted.text
    amount = {"daily_amount_sek": "9650.00", "source": "HSLF-FS 2026:50"}
    put = await api.client.put("/v1/daily-amounts/2027", json=amount, headers=api.auth("admin"))
    assert put.status_code == 200, put.text
    assert put.json() == {
        "year": 2027,
        "daily_amount_sek": "9650.00",
        "origin": "registered",
        "source": "HSLF-FS 2026:50",
    }


async def test_january_2027_is_billed_with_no_rule_set_and_no_amount_on_the_call(api: Api) -> None:
    await register_2027(api)
    body = {"month": "2027-01", "episodes": JANUARY}
    response = await api.client.post("/v1/betalningsansvar/calculate", json=body, headers=api.auth("billing"))
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["ruleset"], result["daily_amount_sek"], result["daily_amount_origin"]) == (
        "vgr-2027", "9650.00", "registered",
    )  # fmt: skip
    with using_registry(load_registry(api.app.state.database)):
        params = select_ruleset("2027-01").betalningsansvar("2027-01")
    rows = [{**r, "ready_date": dt.date.fromisoformat(r["ready_date"]),
             "discharge_date": dt.date.fromisoformat(r["discharge_date"])} for r in JANUARY]  # fmt: skip
    expected = reference_betalningsansvar(rows, dt.date(2027, 1, 1), params, {m.code for m in parties()})
    for m in result["municipalities"]:
        assert (
            Decimal(m["total_amount_sek"]) * 100 == expected.municipalities[m["kommun"]]["total_amount_ore"]
        )
    # A billing run of the month, with nothing named, uses the same rules.
    run = await api.client.post("/v1/billing-runs", json=body, headers=api.auth("billing"))
    assert run.status_code == 201, run.text
    assert run.json()["ruleset_id"] == "vgr-2027"


async def test_registration_is_for_admins_and_audited(api: Api) -> None:
    text = agreement_2027()
    for role in ("billing", "analyst", "kommun"):
        refused = await api.client.post("/v1/rulesets", json={"toml": text}, headers=api.auth(role))
        assert refused.status_code == 403
        amount = {"daily_amount_sek": "9650.00", "source": "x"}
        assert (
            await api.client.put("/v1/daily-amounts/2027", json=amount, headers=api.auth(role))
        ).status_code == 403
    await register_2027(api)
    again = await api.client.post("/v1/rulesets", json={"toml": "# same\n" + text}, headers=api.auth("admin"))
    assert (again.status_code, again.json()["created"]) == (200, False)
    with api.app.state.database.read() as connection:
        rows = connection.execute(sa.select(audit_log.c.method, audit_log.c.path, audit_log.c.status)).all()
    assert ("POST", "/v1/rulesets", 201) in [tuple(r) for r in rows]
    assert ("PUT", "/v1/daily-amounts/2027", 200) in [tuple(r) for r in rows]
    listed = (await api.client.get("/v1/rulesets", headers=api.auth("kommun"))).json()
    registered = next(r for r in listed if r["id"] == "vgr-2027")
    assert registered["origin"] == "database"
    assert registered["registered_by"] == f"API key {api.ids['admin']}"
    shown = (await api.client.get("/v1/rulesets/vgr-2027", headers=api.auth("analyst"))).json()
    switch = next(p for p in shown["parameters"] if p["name"] == "individual_after_days")
    assert switch["values"] == [
        {"valid_from": "2027-01-01", "valid_to": None, "value": 5, "source": SOURCE_2027, "care_type": None}
    ]


async def test_conflicts_are_409_and_broken_files_422(api: Api) -> None:
    await register_2027(api)
    overlapping = agreement_2027().replace('"vgr-2027"', '"vgr-2027b"')
    response = await api.client.post("/v1/rulesets", json={"toml": overlapping}, headers=api.auth("admin"))
    assert response.status_code == 409
    assert "överlappar" in response.json()["detail"]
    shipped = agreement_2027().replace('"vgr-2027"', '"vgr-2023"')
    assert (
        await api.client.post("/v1/rulesets", json={"toml": shipped}, headers=api.auth("admin"))
    ).status_code == 409
    for broken in (
        "not toml at all [",
        'id = "x"',
        agreement_2027().replace("value = 5,", 'value = "five",'),
    ):
        response = await api.client.post("/v1/rulesets", json={"toml": broken}, headers=api.auth("admin"))
        assert response.status_code == 422, broken
    assert (
        await api.client.post("/v1/rulesets", json={"toml": 5}, headers=api.auth("admin"))
    ).status_code == 422


async def test_diff_of_two_rule_sets_and_a_path_is_never_a_rule_set(api: Api, tmp_path: Path) -> None:
    await register_2027(api)
    response = await api.client.get("/v1/rulesets/vgr-2023/diff/vgr-2027", headers=api.auth("analyst"))
    assert response.status_code == 200, response.text
    (difference,) = response.json()["differences"]
    assert (difference["name"], difference["a"], difference["b"], difference["b_source"]) == (
        "individual_after_days", "7", "5", SOURCE_2027,
    )  # fmt: skip
    file = tmp_path / "vgr-9999.toml"
    file.write_text(agreement_2027().replace('"vgr-2027"', '"vgr-9999"'))
    for ref in (str(file), "..%2Fetc%2Fpasswd", "no-such"):
        response = await api.client.get(f"/v1/rulesets/vgr-2023/diff/{ref}", headers=api.auth("analyst"))
        assert response.status_code in (404, 422), ref


async def test_amounts_are_listed_with_their_origin(api: Api) -> None:
    listed = (await api.client.get("/v1/daily-amounts", headers=api.auth("kommun"))).json()
    assert {"year": 2022, "daily_amount_sek": "9300.00", "origin": "shipped"}.items() <= listed[-1].items()
    assert (await api.client.get("/v1/daily-amounts/2027", headers=api.auth("analyst"))).status_code == 404
    await register_2027(api)
    got = (await api.client.get("/v1/daily-amounts/2027", headers=api.auth("analyst"))).json()
    assert got["origin"] == "registered"
    for bad in ({"daily_amount_sek": "9.30", "source": "x"}, {"daily_amount_sek": "9,300", "source": "x"},
                {"daily_amount_sek": "9300.00", "source": ""}, {"daily_amount_sek": 9300, "source": "x"},
                {"daily_amount_sek": "9300.00", "source": "Beslut 19121212-1212"}):  # fmt: skip
        response = await api.client.put("/v1/daily-amounts/2027", json=bad, headers=api.auth("admin"))
        assert response.status_code == 422, bad
        assert "19121212" not in response.text
    too_early = {"daily_amount_sek": "9300.00", "source": "x"}
    assert await status(api, "PUT", "/v1/daily-amounts/1800", "admin", too_early) == 422


async def test_a_municipality_enters_its_own_tariff_and_no_one_elses(api: Api) -> None:
    body = {
        "hemtjanst_sek_per_hour": "700.00",
        "decided": "2026-11-20",
        "source": "Göteborg KF 2026-11-20 §5",
    }
    own = await api.client.put("/v1/municipalities/1480/tariffs/2027", json=body, headers=api.auth("kommun"))
    assert own.status_code == 200, own.text
    assert [(t["service"], t["sek_per_hour"]) for t in own.json()] == [("hemtjanst", "700.00")]
    other = await api.client.put(
        "/v1/municipalities/1490/tariffs/2027", json=body, headers=api.auth("kommun")
    )
    assert other.status_code == 404
    for role in ("billing", "analyst"):
        response = await api.client.put(
            "/v1/municipalities/1490/tariffs/2027", json=body, headers=api.auth(role)
        )
        assert response.status_code == 403
    assert await status(api, "PUT", f"{BORAS}/tariffs/2027", "admin", body) == 200
    got = await api.client.get(f"{GBG}/tariffs/2027", headers=api.auth("analyst"))
    assert got.json()[0]["source"] == body["source"]
    bad_bodies = [
        {**body, "decided": "2099-01-01"},
        {**body, "decided": "2026-11-20T00:00:00"},
        {"decided": "2026-11-20", "source": "x"},
        {**body, "hemtjanst_sek_per_hour": "7.00"},
    ]
    for bad in bad_bodies:
        assert await status(api, "PUT", f"{GBG}/tariffs/2027", "admin", bad) == 422, bad
    assert await status(api, "PUT", "/v1/municipalities/9999/tariffs/2027", "admin", body) == 404
    # The registered tariff prices home care with no tariff in the request.
    visit = {"visit_id": "v1", "person_id": "p1", "home_kommun": "1490", "host_kommun": "1480",
             "date": "2027-01-15", "service": "hemtjanst", "minutes": 90}  # fmt: skip
    response = await api.client.post(
        "/v1/home-care/calculate", json={"visits": [visit]}, headers=api.auth("billing")
    )
    assert response.status_code == 200, response.text
    (month,) = response.json() if isinstance(response.json(), list) else [response.json()]
    assert month["invoice_lines"][0]["amount_sek"] == "1050.00"


async def test_a_trivial_read_reads_no_registry(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry is loaded when a route needs a rule, not on every request."""
    import hos_avtal.api._middleware as middleware

    calls = []

    def counting(db: Database) -> Registry:
        calls.append(1)
        return load_registry(db)

    monkeypatch.setattr(middleware, "load_registry", counting)
    assert (await api.client.get("/v1/municipalities", headers=api.auth("analyst"))).status_code == 200
    assert calls == []
    assert (await api.client.get("/v1/rulesets", headers=api.auth("analyst"))).status_code == 200
    assert calls == [1]


async def test_a_hostile_rule_set_is_a_422_and_nothing_is_stored(api: Api) -> None:
    """On PostgreSQL a NUL cannot be stored: it must be refused before, like every bad text."""
    text = agreement_2027()
    hostile = [
        "x = " + "[" * 50_000 + "]" * 50_000,  # tomllib recurses into nested arrays
        text.replace('source = "HoS-avtal 2027–2030', 'source = "HoS\\u0000-avtal 2027–2030', 1),
        text.replace('name = "', 'name = "Avtal 19121212-1212 ', 1),
        "# handläggare 19121212-1212\n" + text,
        "\x00" + text,
        text.replace('id = "vgr-2027"', f'id = "{"v" * 200}"'),
    ]
    for body in hostile:
        response = await api.client.post("/v1/rulesets", json={"toml": body}, headers=api.auth("admin"))
        assert response.status_code == 422, (response.status_code, body[:80])
        assert "19121212" not in response.text
    listed = (await api.client.get("/v1/rulesets", headers=api.auth("admin"))).json()
    assert [r["origin"] for r in listed] == ["shipped"] * 3
