"""``POST /v1/scenarios/sweep`` through the real app: roles, grids, formats, errors."""

from __future__ import annotations

import io

import polars as pl
import pytest

from test_api import EPISODES, XLSX, Api, anyio_backend, api  # noqa: F401
from test_storage import database_url, personnummer  # noqa: F401

pytestmark = pytest.mark.anyio

GRID = {
    "base": "vgr-2018",
    "episodes": EPISODES,
    "parameters": [
        {"name": "average_threshold_days", "start": "2.5", "stop": "3.5", "step": "0.5"},
        {"name": "individual_after_days", "values": [5, 7]},
    ],
}


async def test_analysts_sweep_others_may_not(api: Api) -> None:  # noqa: F811
    for role, status in (("analyst", 200), ("admin", 200), ("billing", 403), ("kommun", 403)):
        response = await api.client.post("/v1/scenarios/sweep", json=GRID, headers=api.auth(role))
        assert response.status_code == status, (role, response.text)
    assert (await api.client.post("/v1/scenarios/sweep", json=GRID)).status_code == 401


async def test_every_combination_and_the_base_cell_equals_the_comparison_base(api: Api) -> None:  # noqa: F811
    response = await api.client.post("/v1/scenarios/sweep", json=GRID, headers=api.auth("analyst"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [p["values"] for p in body["parameters"]] == [["2.5", "3.0", "3.5"], ["5", "7"]]
    assert len(body["combinations"]) == 6
    assert body["base"]["values"] == {"average_threshold_days": "3.0", "individual_after_days": "7"}
    base_cell = next(c for c in body["combinations"] if c["values"] == body["base"]["values"])
    assert base_cell["difference_sek"] == "0.00"
    compared = await api.client.post(
        "/v1/scenarios/compare",
        json={"base": "vgr-2018", "episodes": EPISODES, "scenarios": [
            {"name": "x", "betalningsansvar": {"average_threshold_days": "2.5", "individual_after_days": 5}}
        ]},
        headers=api.auth("analyst"),
    )  # fmt: skip
    first = next(
        c
        for c in body["combinations"]
        if c["values"] == {"average_threshold_days": "2.5", "individual_after_days": "5"}
    )
    assert first["total_sek"] == compared.json()["total"]["scenarios"][0]["amount_sek"]
    assert body["base"]["total_sek"] == compared.json()["total"]["base_sek"]
    assert len(body["municipalities"]) == 49
    assert all(len(m["amounts_sek"]) == 6 for m in body["municipalities"])


async def test_csv_and_excel(api: Api) -> None:  # noqa: F811
    csv = await api.client.post("/v1/scenarios/sweep?format=csv", json=GRID, headers=api.auth("analyst"))
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    rows = pl.read_csv(io.BytesIO(csv.content))
    assert rows.height == 6
    assert "1480 Göteborg" in rows.columns
    xlsx = await api.client.post(
        "/v1/scenarios/sweep", json=GRID, headers={**api.auth("analyst"), "Accept": XLSX}
    )
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"


@pytest.mark.parametrize(
    ("parameter", "field", "reason"),
    [
        ({"name": "threshold", "values": ["2"]}, "parameters.threshold", "kan inte svepas"),
        ({"name": "free_days", "start": "1", "stop": "3"}, "parameters.free_days", "give start, stop"),
        ({"name": "free_days", "values": [1], "step": "1"}, "parameters.free_days", "not both"),
        ({"name": "free_days", "values": ["1,2"]}, "parameters", "give one value per item"),
        ({"name": "average_threshold_days", "start": "0", "stop": "365", "step": "0.01"},
         "parameters.average_threshold_days", "högst 1000"),
    ],
)  # fmt: skip
async def test_a_bad_parameter_is_a_422_naming_it(
    api: Api,  # noqa: F811
    parameter: dict[str, object],
    field: str,
    reason: str,
) -> None:
    body = {**GRID, "parameters": [parameter]}
    response = await api.client.post("/v1/scenarios/sweep", json=body, headers=api.auth("analyst"))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert reason in problem["detail"]
    assert problem["errors"][0]["field"] == field
