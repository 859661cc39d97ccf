"""Structured logs (issue 18): a request id on every request, one line per request with the key's
id, application events as their own lines, JSON lines for a log collector — and never a body, a
path as sent or a personnummer."""

from __future__ import annotations

import json
import logging
import re

import pytest

from hos_avtal.api import JsonLogFormatter
from hos_avtal.cli._serve import log_config
from test_api import EPISODES, MONTH, Api, anyio_backend, api  # noqa: F401  (fixtures)
from test_api_registry import agreement_2027
from test_storage import database_url  # noqa: F401  (the database fixture)

pytestmark = pytest.mark.anyio
PNR = "19121212-1212"


def _json_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    formatter = JsonLogFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name.startswith("hos_avtal")]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [(None, False), ("req-3f9a0c1d.77", True), (PNR, False), ("a b", False), ("x" * 129, False)],
)
async def test_every_answer_names_its_request_id_and_a_proxys_plain_id_is_kept(
    api: Api,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
    sent: str | None,
    kept: bool,
) -> None:
    caplog.set_level(logging.INFO, logger="hos_avtal")
    headers = {**api.auth("analyst"), **({"X-Request-ID": sent} if sent else {})}
    response = await api.client.get("/v1/municipalities", headers=headers)
    assert response.status_code == 200
    request_id = response.headers["x-request-id"]
    if kept:
        assert request_id == sent
    else:
        assert re.fullmatch("[0-9a-f]{32}", request_id)
    [line] = [r for r in caplog.records if r.name == "hos_avtal.access"]
    assert line.request_id == request_id  # type: ignore[attr-defined]
    assert line.key_id == api.ids["analyst"]  # type: ignore[attr-defined]
    assert "19121212" not in caplog.text


async def test_a_json_line_per_request_names_route_status_key_and_duration_never_the_path_sent(
    api: Api,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="hos_avtal")
    await api.client.get(f"/v1/municipalities/{PNR}?q={PNR}", headers=api.auth("analyst"))
    body = {"month": MONTH, "episodes": [{**EPISODES[0], "hospital": PNR}, *EPISODES[1:5]]}
    refused = await api.client.post("/v1/billing-runs", json=body, headers=api.auth("billing"))
    assert refused.status_code == 422
    lines = [line for line in _json_lines(caplog) if line["logger"] == "hos_avtal.access"]
    # The personnummer in the path matches no route: no template, and no key was looked at.
    assert [(line["method"], line["route"], line["status"]) for line in lines] == [
        ("GET", "-", 404),
        ("POST", "/v1/billing-runs", 422),
    ]
    assert "key_id" not in lines[0]
    assert set(lines[1]) == {
        "time", "level", "logger", "pid", "message", "request_id", "method", "route", "status",
        "duration_ms", "key_id",
    }  # fmt: skip
    assert all(isinstance(line["duration_ms"], float) for line in lines)
    assert lines[1]["key_id"] == api.ids["billing"]
    assert "19121212" not in json.dumps(_json_lines(caplog))


async def test_runs_created_and_finalized_and_rules_registered_are_events_of_their_request(
    api: Api,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="hos_avtal")
    created = await api.create_run()
    run = created.json()
    final = await api.client.post(f"/v1/billing-runs/{run['id']}/finalize", headers=api.auth("billing"))
    assert final.status_code == 200
    registered = await api.client.post(
        "/v1/rulesets", json={"toml": agreement_2027()}, headers=api.auth("admin")
    )
    assert registered.status_code == 201, registered.text
    events = [line for line in _json_lines(caplog) if line["logger"] == "hos_avtal.events"]
    assert [line["event"] for line in events] == ["run.created", "run.finalized", "ruleset.registered"]
    assert events[0]["run_id"] == events[1]["run_id"] == run["id"]
    assert (events[0]["month"], events[0]["version"], events[0]["state"]) == (MONTH, 1, "draft")
    assert events[1]["state"] == "final"
    # Logged in the worker thread that stored the run, still under the request's id.
    assert events[0]["request_id"] == created.headers["x-request-id"]
    assert events[1]["request_id"] == final.headers["x-request-id"]
    assert events[2]["request_id"] == registered.headers["x-request-id"]
    again = await api.create_run()
    assert again.status_code == 200  # the identical run: nothing created, no event
    assert len([r for r in caplog.records if r.name == "hos_avtal.events"]) == 3


def test_the_json_log_config_formats_every_handler_uvicorns_too() -> None:
    text, as_json = log_config("text"), log_config("json")
    assert all(h["formatter"] != "json" for h in text["handlers"].values())
    assert {h["formatter"] for h in as_json["handlers"].values()} == {"json"}
    assert as_json["formatters"]["json"] == {"()": "hos_avtal.api.JsonLogFormatter"}
    assert as_json["loggers"]["hos_avtal"]["level"] == "INFO"
    record = logging.LogRecord("uvicorn.error", logging.ERROR, "", 0, "boom %s", ("x",), None)
    assert json.loads(JsonLogFormatter().format(record))["message"] == "boom x"
