"""``GET /metrics`` (issue 18): Prometheus text, an admin key, and what was done is counted —
requests by route and status, calculations with their rows, runs created and finalized,
invoice-cache hits. The counters live as long as the process, so each test reads differences."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from test_api import EPISODES, MONTH, Api, anyio_backend, api  # noqa: F401  (fixtures)
from test_storage import database_url  # noqa: F401  (the database fixture)

pytestmark = pytest.mark.anyio


async def _read(api: Api) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:  # noqa: F811
    response = await api.client.get("/metrics", headers=api.auth("admin"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.parametrize(
    ("role", "status"), [(None, 401), ("analyst", 403), ("billing", 403), ("kommun", 403)]
)
async def test_metrics_need_an_admin_key(api: Api, role: str | None, status: int) -> None:  # noqa: F811
    response = await api.client.get("/metrics", headers=api.auth(role) if role else {})
    assert response.status_code == status


async def test_what_was_done_is_counted_by_route_capability_and_change(api: Api) -> None:  # noqa: F811
    before = await _read(api)
    body = {"month": MONTH, "episodes": EPISODES}
    route = "/v1/betalningsansvar/calculate"
    calculated = await api.client.post(route, json=body, headers=api.auth("analyst"))
    assert calculated.status_code == 200
    refused = await api.client.post(route, json={}, headers=api.auth("analyst"))
    assert refused.status_code == 422
    run = (await api.create_run()).json()
    await api.client.post(f"/v1/billing-runs/{run['id']}/finalize", headers=api.auth("billing"))
    basis = f"/v1/billing-runs/{run['id']}/municipalities/{EPISODES[0]['kommun']}"
    for _ in range(3):
        assert (await api.client.get(basis, headers=api.auth("billing"))).status_code == 200
    after = await _read(api)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("hos_avtal_http_requests_total", route=route, method="POST", status="200") == 1
    assert grew("hos_avtal_http_requests_total", route=route, method="POST", status="422") == 1
    assert grew("hos_avtal_http_request_duration_seconds_count", route=route, method="POST") == 2
    assert grew("hos_avtal_calculations_total", capability="betalningsansvar") == 1
    assert grew("hos_avtal_calculation_rows_total", capability="betalningsansvar") == len(EPISODES)
    assert grew("hos_avtal_calculations_total", capability="billing_run") == 1
    assert grew("hos_avtal_calculation_rows_total", capability="billing_run") == len(EPISODES)
    assert grew("hos_avtal_billing_runs_total", change="created") == 1
    assert grew("hos_avtal_billing_runs_total", change="finalized") == 1
    assert grew("hos_avtal_invoice_cache_total", result="miss") == 1
    assert grew("hos_avtal_invoice_cache_total", result="hit") == 2


async def test_a_path_sent_is_never_a_label(api: Api) -> None:  # noqa: F811
    await api.client.get("/v1/billing-runs/19121212-1212", headers=api.auth("billing"))
    await api.client.get("/no/such/19121212-1212", headers=api.auth("billing"))
    text = (await api.client.get("/metrics", headers=api.auth("admin"))).text
    assert "19121212" not in text
    assert 'route="/v1/billing-runs/{run_id}"' in text
    assert 'route="-"' in text
