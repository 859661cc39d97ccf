"""``/v1/scenarios``: compare, datasets and base parameters through the real app (SQLite and
PostgreSQL, via the fixtures of test_api)."""

from __future__ import annotations

import io
from decimal import Decimal

import polars as pl
import pytest
import sqlalchemy as sa

from hos_avtal.municipalities import parties
from hos_avtal.rules import parameter_catalog
from hos_avtal.storage import audit_log, scenario_dataset_input
from hos_avtal.synth import month_range, synth_episodes, synth_placements, synth_visits
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


async def test_a_dataset_can_be_deleted_with_its_inputs_and_the_deletion_is_audited(api: Api) -> None:  # noqa: F811
    dataset = await _dataset(api)
    url = f"/v1/scenarios/datasets/{dataset}"
    for role in ("billing", "kommun"):
        assert (await api.client.delete(url, headers=api.auth(role))).status_code == 403
    assert (await api.client.delete(url)).status_code == 401
    deleted = await api.client.delete(url, headers=api.auth("analyst"))
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert (await api.client.get(url, headers=api.auth("analyst"))).status_code == 404
    listed = (await api.client.get("/v1/scenarios/datasets", headers=api.auth("analyst"))).json()
    assert listed["datasets"] == []
    compared = await api.client.post(
        "/v1/scenarios/compare",
        json={"dataset_id": dataset, "scenarios": [LOWER]},
        headers=api.auth("analyst"),
    )
    assert compared.status_code == 404
    again = await api.client.delete(url, headers=api.auth("admin"))
    assert again.status_code == 404
    assert again.headers["content-type"].startswith("application/problem+json")
    with api.app.state.database.read() as connection:
        audited = connection.execute(
            sa.select(audit_log.c.method, audit_log.c.status, audit_log.c.resource_id).where(
                audit_log.c.method == "DELETE"
            )
        ).all()
        left = connection.execute(sa.select(sa.func.count()).select_from(scenario_dataset_input)).scalar_one()
    assert [tuple(r) for r in audited] == [
        ("DELETE", 403, None),  # refused before the route: no resource named
        ("DELETE", 403, None),
        ("DELETE", 204, str(dataset)),
        ("DELETE", 404, None),  # a refused request names no resource: its id is only what was sent
    ]
    assert left == 0


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
    values = {p["name"]: p["value"] for p in body["parameters"]}
    assert values["average_threshold_days"] == "3.0"
    assert values["individual_after_days"] == 7
    assert values["free_days"] == 3
    assert values["schablon_region_share"] is None  # the 2018 agreement splits no placements by rule
    assert (values["hemtjanst_sek_per_hour"], values["hemsjukvard_sek_per_hour"]) == ("441.00", "744.00")
    # One entry per sweepable parameter of the catalog, in its order: the page builds its controls so.
    assert [p["name"] for p in body["parameters"]] == [s.name for s in parameter_catalog().sweepable()]


async def test_base_parameters_of_a_year_without_a_daily_amount(api: Api) -> None:  # noqa: F811
    params = {"month": "2024-03", "base": "vgr-2023"}
    response = await api.client.get(
        "/v1/scenarios/base-parameters", params=params, headers=api.auth("analyst")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["daily_amount_sek"], body["daily_amount_source"]) == (None, None)
    parameters = {p["name"]: p for p in body["parameters"]}
    assert parameters["average_threshold_days"]["value"] == "3.0"
    assert (parameters["daily_amount_sek"]["value"], parameters["daily_amount_sek"]["input"]) == (None, None)
    share = parameters["schablon_region_share"]
    assert (share["value"], share["input"]) == ("1/3", "33.3")
    assert "§6.3" in share["source"]
    assert parameters["hemtjanst_sek_per_hour"]["value"] is None
    assert parameters["hemsjukvard_sek_per_hour"]["value"] == "828.00"
    given = await api.client.get(
        "/v1/scenarios/base-parameters",
        params={**params, "daily_amount_sek": "9875.00"},
        headers=api.auth("analyst"),
    )
    assert given.json()["daily_amount_sek"] == "9875.00"
    refused = await api.client.get(
        "/v1/scenarios/base-parameters",
        params={**params, "daily_amount_sek": "0.00"},
        headers=api.auth("analyst"),
    )
    assert refused.status_code == 422  # the user's own figure is checked, not dropped to null
    assert "det angivna fastställda beloppet" in refused.json()["detail"]
    assert "0.00" not in refused.json()["detail"]  # a problem never quotes what was sent


def _csv(frame: pl.DataFrame) -> bytes:
    return frame.write_csv().encode()


async def test_an_upload_of_every_input_compares_every_capability(api: Api) -> None:  # noqa: F811
    months = month_range("2024-03")
    placements, costs, agreements = synth_placements(months, placements=30, seed=5)
    tariffs = pl.DataFrame(
        {"kommun": [m.code for m in parties()], "year": 2024, "service": "hemtjanst", "sek_per_hour": "655"}
    )
    files = {
        "episodes": ("episoder.csv", _csv(synth_episodes(months, episodes_per_month=80, seed=5)), "text/csv"),
        "placements": ("placeringar.csv", _csv(placements), "text/csv"),
        "costs": ("kostnader.csv", _csv(costs), "text/csv"),
        "agreements": ("overenskommelser.csv", _csv(agreements), "text/csv"),
        "visits": ("besok.csv", _csv(synth_visits(months, visits_per_month=80, seed=5)), "text/csv"),
        "tariffs": ("taxor.csv", _csv(tariffs), "text/csv"),
    }
    response = await api.client.post("/v1/scenarios/datasets", files=files, headers=api.auth("analyst"))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["capabilities"] == ["betalningsansvar", "placements", "home_care"]
    assert created["inputs"]["placements"] == placements.height
    assert created["inputs"]["tariffs"] == 49
    assert created["months"] == ["2024-03"]
    assert created["daily_amount_sek"] is None
    scenario = {
        "name": "33/67 och hemsjukvård 900 kr",
        "placements": {"schablon_region_share": "0.33"},
        "home_care": {"hemsjukvard_sek_per_hour": "900"},
    }
    body = {
        "base": "vgr-2023",
        "dataset_id": created["id"],
        "daily_amount_sek": "9875.00",  # 2024 ships none
        "scenarios": [scenario],
    }
    compared = await api.client.post("/v1/scenarios/compare", json=body, headers=api.auth("analyst"))
    assert compared.status_code == 200, compared.text
    result = compared.json()
    by = result["total"]["by_capability"]
    assert Decimal(by["placements"]["scenarios"][0]["difference_sek"]) > 0  # 67 % is more than 2/3
    assert Decimal(by["home_care"]["scenarios"][0]["difference_sek"]) > 0  # 900 kr > VästKom's 828
    assert by["betalningsansvar"]["scenarios"][0]["difference_sek"] == "0.00"
    association = result["kommunalforbund"][0]
    assert set(association["by_capability"]) == {"betalningsansvar", "placements", "home_care"}
    subtotal = sum(Decimal(k["by_capability"]["placements"]["base_sek"]) for k in result["kommunalforbund"])
    assert subtotal == Decimal(by["placements"]["base_sek"])


async def test_bad_uploads_name_the_field_file_row_and_column(api: Api) -> None:  # noqa: F811
    months = month_range("2024-03")
    placements, _costs, _agreements = synth_placements(months, placements=5, seed=5)
    lonely = {"placements": ("placeringar.csv", _csv(placements), "text/csv")}
    response = await api.client.post("/v1/scenarios/datasets", files=lonely, headers=api.auth("analyst"))
    assert response.status_code == 422
    assert "placeringar kräver placements, costs och agreements" in response.text
    visits = synth_visits(months, visits_per_month=20, seed=5).with_columns(
        pl.when(pl.int_range(pl.len()) == 2).then(pl.lit(-5)).otherwise("minutes").alias("minutes")
    )
    broken = {"visits": ("besok.csv", _csv(visits), "text/csv")}
    response = await api.client.post("/v1/scenarios/datasets", files=broken, headers=api.auth("analyst"))
    assert response.status_code == 422
    error = response.json()["errors"][0]
    # The input's kind, never the uploaded file's name: a name is a submitted value.
    assert (error["source"], error["row"], error["column"]) == ("visits", 4, "minutes")
    unknown = {"besok": ("besok.csv", _csv(visits), "text/csv")}
    response = await api.client.post("/v1/scenarios/datasets", files=unknown, headers=api.auth("analyst"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "besok"
    listed = await api.client.get("/v1/scenarios/datasets", headers=api.auth("analyst"))
    assert listed.json()["datasets"] == []


async def test_a_run_dataset_keeps_the_runs_daily_amount(api: Api) -> None:  # noqa: F811
    created = await api.create_run(daily_amount_sek="9999.50")
    assert created.status_code == 201, created.text
    response = await api.client.post(
        "/v1/scenarios/datasets", json={"billing_run_id": created.json()["id"]}, headers=api.auth("analyst")
    )
    assert response.status_code == 201, response.text
    assert response.json()["daily_amount_sek"] == "9999.50"
    assert response.json()["capabilities"] == ["betalningsansvar"]


async def test_an_idempotency_key_makes_a_dataset_upload_safe_to_retry(api: Api) -> None:  # noqa: F811
    frame = synth_episodes(month_range("2022-03"), episodes_per_month=30, seed=8)
    upload = {"episodes": ("episoder.csv", _csv(frame), "text/csv")}
    # A retry resends the same bytes, multipart boundary included.
    headers = {
        **api.auth("analyst"),
        "Idempotency-Key": "mars-1",
        "Content-Type": "multipart/form-data; boundary=hos-avtal-test",
    }
    first = await api.client.post("/v1/scenarios/datasets", files=upload, headers=headers)
    again = await api.client.post("/v1/scenarios/datasets", files=upload, headers=headers)
    assert first.status_code == again.status_code == 201, first.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    listed = (await api.client.get("/v1/scenarios/datasets", headers=api.auth("analyst"))).json()
    assert len(listed["datasets"]) == 1
    other = {"episodes": ("episoder.csv", _csv(frame.head(10)), "text/csv")}
    reused = await api.client.post("/v1/scenarios/datasets", files=other, headers=headers)
    assert reused.status_code == 422


async def test_comparisons_and_sweeps_are_not_audited_datasets_are(api: Api) -> None:  # noqa: F811
    from test_api import audit_rows
    from test_api_sweep import GRID

    compared = await api.client.post("/v1/scenarios/compare", json=COMPARE, headers=api.auth("analyst"))
    swept = await api.client.post("/v1/scenarios/sweep", json=GRID, headers=api.auth("analyst"))
    refused = await api.client.post("/v1/scenarios/sweep", json=GRID, headers=api.auth("billing"))
    assert (compared.status_code, swept.status_code, refused.status_code) == (200, 200, 403)
    assert audit_rows(api) == []
    await _dataset(api)
    assert audit_rows(api) == [("POST", "/v1/billing-runs", 201), ("POST", "/v1/scenarios/datasets", 201)]
