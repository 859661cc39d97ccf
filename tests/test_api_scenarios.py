"""``/v1/scenarios``: compare, datasets and base parameters through the real app (SQLite and
PostgreSQL, via the fixtures of test_api)."""

from __future__ import annotations

import io
from decimal import Decimal

import polars as pl
import pytest

from hos_avtal.synth import month_range, synth_episodes
from test_api import EPISODES, MONTH, XLSX, Api, anyio_backend, api  # noqa: F401
from test_storage import database_url, personnummer  # noqa: F401

pytestmark = pytest.mark.anyio

LOWER = {"name": "Tröskel 2,5", "betalningsansvar": {"average_threshold_days": "2.5"}}
COMPARE = {"base": "vgr-2018", "episodes": EPISODES, "scenarios": [LOWER]}


async def _dataset(api: Api) -> int:  # noqa: F811
    created = await api.create_run()
    assert created.status_code == 201, created.text
    response = await api.client.post(
        "/v1/scenarios/datasets", json={"billing_run_id": created.json()["id"]}, headers=api.auth("analyst")
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_roles_analyst_and_admin_only(api: Api) -> None:  # noqa: F811
    for role, status in (("admin", 200), ("analyst", 200), ("billing", 403), ("kommun", 403)):
        response = await api.client.post("/v1/scenarios/compare", json=COMPARE, headers=api.auth(role))
        assert response.status_code == status, (role, response.text)
        listed = await api.client.get("/v1/scenarios/datasets", headers=api.auth(role))
        assert listed.status_code == status, role
    anonymous = await api.client.post("/v1/scenarios/compare", json=COMPARE)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")


async def test_compare_base_equals_the_stateless_calculation(api: Api) -> None:  # noqa: F811
    calculated = await api.client.post(
        "/v1/betalningsansvar/calculate",
        json={"month": MONTH, "episodes": EPISODES, "ruleset": "vgr-2018"},
        headers=api.auth("analyst"),
    )
    compared = await api.client.post(
        "/v1/scenarios/compare", json={**COMPARE, "months": [MONTH]}, headers=api.auth("analyst")
    )
    assert calculated.status_code == compared.status_code == 200, compared.text
    expected = {m["kommun"]: m["total_amount_sek"] for m in calculated.json()["municipalities"]}
    body = compared.json()
    assert {m["kommun"]: m["base_sek"] for m in body["municipalities"]} == expected
    assert body["total"]["base_sek"] == calculated.json()["totals"]["total_amount_sek"]
    assert len(body["municipalities"]) == 49
    assert len(body["kommunalforbund"]) == 4
    scenario = body["total"]["scenarios"][0]
    assert scenario["name"] == "Tröskel 2,5"
    assert Decimal(scenario["amount_sek"]) >= Decimal(body["total"]["base_sek"])
    assert body["scenarios"][0]["changes"] == {"betalningsansvar": {"average_threshold_days": "2.5"}}


async def test_a_bad_scenario_key_is_a_422_naming_it(api: Api) -> None:  # noqa: F811
    bad = {**COMPARE, "scenarios": [{"name": "x", "betalningsansvar": {"average_treshold_days": "2"}}]}
    response = await api.client.post("/v1/scenarios/compare", json=bad, headers=api.auth("analyst"))
    assert response.status_code == 422
    problem = response.json()
    assert "betalningsansvar.average_treshold_days" in problem["detail"]
    assert problem["errors"][0]["field"] == "scenarios.0.betalningsansvar.average_treshold_days"
    out_of_range = {**COMPARE, "scenarios": [{"name": "x", "betalningsansvar": {"free_days": -1}}]}
    response = await api.client.post("/v1/scenarios/compare", json=out_of_range, headers=api.auth("analyst"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "scenarios.0.betalningsansvar.free_days"


async def test_unknown_dataset_is_404(api: Api) -> None:  # noqa: F811
    body = {"base": "vgr-2018", "dataset_id": 999, "scenarios": [LOWER]}
    response = await api.client.post("/v1/scenarios/compare", json=body, headers=api.auth("analyst"))
    assert response.status_code == 404
    assert (
        await api.client.get("/v1/scenarios/datasets/999", headers=api.auth("analyst"))
    ).status_code == 404
    missing_run = await api.client.post(
        "/v1/scenarios/datasets", json={"billing_run_id": 999}, headers=api.auth("analyst")
    )
    assert missing_run.status_code == 404


async def test_csv_and_xlsx_formats(api: Api) -> None:  # noqa: F811
    as_csv = await api.client.post(
        "/v1/scenarios/compare?format=csv", json=COMPARE, headers=api.auth("analyst")
    )
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    frame = pl.read_csv(io.StringIO(as_csv.text))
    assert frame.filter(pl.col("level") == "kommun").height == 49
    accepted = await api.client.post(
        "/v1/scenarios/compare", json=COMPARE, headers={**api.auth("analyst"), "Accept": XLSX}
    )
    assert accepted.status_code == 200
    assert accepted.headers["content-type"] == XLSX
    assert accepted.content[:2] == b"PK"
    refused = await api.client.post(
        "/v1/scenarios/compare", json=COMPARE, headers={**api.auth("analyst"), "Accept": "image/png"}
    )
    assert refused.status_code == 406


async def test_a_run_dataset_compares_to_the_runs_stored_totals(api: Api) -> None:  # noqa: F811
    dataset = await _dataset(api)
    summary = (await api.client.get(f"/v1/scenarios/datasets/{dataset}", headers=api.auth("analyst"))).json()
    assert summary["months"] == [MONTH]
    assert summary["source"].startswith("billing-run:")
    run = (await api.client.get(summary["source"].replace("billing-run:", "/v1/billing-runs/"),
                                headers=api.auth("analyst"))).json()  # fmt: skip
    compared = await api.client.post(
        "/v1/scenarios/compare",
        json={"base": summary["ruleset_id"], "dataset_id": dataset, "scenarios": [LOWER]},
        headers=api.auth("analyst"),
    )
    assert compared.status_code == 200, compared.text
    stored = {m["kommun"]: m["betalningsansvar_sek"] for m in run["municipalities"]}
    assert {m["kommun"]: m["base_sek"] for m in compared.json()["municipalities"]} == stored
    both = {"base": "vgr-2018", "dataset_id": dataset, "episodes": EPISODES}
    conflict = await api.client.post("/v1/scenarios/compare", json=both, headers=api.auth("analyst"))
    assert conflict.status_code == 422


async def test_uploaded_dataset_is_pseudonymised_and_listed(api: Api) -> None:  # noqa: F811
    frame = synth_episodes(month_range("2022-03"), episodes_per_month=60, seed=4)
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit(personnummer("19121212", "121")))
        .otherwise(pl.col("person_id"))
        .alias("person_id")
    )
    upload = {"episodes": ("episoder.csv", frame.write_csv().encode(), "text/csv")}
    response = await api.client.post(
        "/v1/scenarios/datasets", files=upload, data={"name": "Mars"}, headers=api.auth("analyst")
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["name"] == "Mars"
    assert created["episodes"] == 60
    assert created["months"] == ["2022-03"]
    listed = (await api.client.get("/v1/scenarios/datasets", headers=api.auth("admin"))).json()
    assert [d["id"] for d in listed["datasets"]] == [created["id"]]
    bad = {"episodes": ("e.csv", b"episode_id;kommun\n1;1480\n", "text/csv")}
    refused = await api.client.post("/v1/scenarios/datasets", files=bad, headers=api.auth("analyst"))
    assert refused.status_code == 422
    assert "episodes" in refused.json()["detail"]


async def test_base_parameters(api: Api) -> None:  # noqa: F811
    response = await api.client.get(
        "/v1/scenarios/base-parameters", params={"month": "2022-03"}, headers=api.auth("analyst")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ruleset"] == "vgr-2018"
    assert body["average_threshold_days"] == "3.0"
    assert body["individual_after_days"] == 7
    assert body["free_days"] == 3
