"""The API is safe to invoice from: its docs work offline, a 405 names every method a path has, and
no value a client sent (a path, a query, a header, a method, an Idempotency-Key) reaches a log, a
problem document or the idempotency table."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from typing import Any

import pytest
import sqlalchemy as sa

from helpers import run_cli
from hos_avtal.api import create_app
from hos_avtal.api._middleware import AuditMiddleware
from hos_avtal.api.routers.docs import ASSETS
from hos_avtal.cli._serve import ExceptionTypesOnly, log_config
from hos_avtal.storage import idempotency_key
from test_api import EPISODES, MONTH, Api, anyio_backend, api  # noqa: F401  (fixtures)
from test_storage import database_url  # noqa: F401  (the database fixture)
from test_web_page import _ARGS, _missing, server  # noqa: F401  (the uvicorn fixture)

pytestmark = pytest.mark.anyio

PNR = "19121212-1212"
"""A personnummer (Tolvan Tolvansson's, the test number), sent where a client may put anything."""
DIGITS = "19121212"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


# ------------------------------------------------------------------------------------- /docs


async def test_docs_name_nothing_remote_and_every_asset_is_served(api: Api) -> None:  # noqa: F811
    page = await api.client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert re.findall(r"https?://", page.text) == []
    referenced = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sorted(referenced) == sorted(f"/docs/assets/{name}" for name in ASSETS)
    for url in referenced:
        asset = await api.client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"] == ASSETS[url.rsplit("/", 1)[1]]
        assert asset.content
    spec = re.search(r"url: '([^']+)'", page.text)
    assert spec is not None
    assert (await api.client.get(spec.group(1))).json()["openapi"].startswith("3.")


@pytest.mark.parametrize(
    ("path", "media_type"),
    [("/", "text/html; charset=utf-8"), ("/static/app.js", "text/javascript; charset=utf-8")],
)
async def test_the_page_files_carry_their_policy_and_revalidate_by_etag(
    api: Api,  # noqa: F811
    path: str,
    media_type: str,
) -> None:
    first = await api.client.get(path)
    assert first.status_code == 200
    assert first.headers["content-type"] == media_type
    assert first.headers["content-security-policy"].startswith("default-src 'self'")
    assert first.headers["x-content-type-options"] == "nosniff"
    again = await api.client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    head = await api.client.head(path)
    assert head.status_code == 200
    assert head.content == b""


@pytest.mark.parametrize("name", ["..%2F__init__.py", "..%2F..%2F_version.py", "%00.js", "x" * 300 + ".js"])
async def test_no_name_reaches_outside_the_page_folder(api: Api, name: str) -> None:  # noqa: F811
    response = await api.client.get(f"/static/{name}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    # An encoded slash matches no route at all (no instance); the rest reach the files' route.
    assert response.json()["instance"] in (None, "/static/{name}")


async def test_docs_policy_admits_only_this_server_and_the_one_inline_script(api: Api) -> None:  # noqa: F811
    page = await api.client.get("/docs")
    policy = dict(d.strip().split(" ", 1) for d in page.headers["content-security-policy"].split(";"))
    inline = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
    assert policy["img-src"] == "'self' data:"
    assert "unsafe" not in page.headers["content-security-policy"]
    assert "http" not in page.headers["content-security-policy"]


@pytest.mark.parametrize(
    "name", ["index.html", "swagger-initializer.js", "swagger-ui.js", "..%2F__init__.py"]
)
async def test_docs_serve_no_other_file_of_the_bundle(api: Api, name: str) -> None:  # noqa: F811
    response = await api.client.get(f"/docs/assets/{name}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_docs_render_every_operation_offline_under_the_policy(server: tuple[str, str]) -> None:  # noqa: F811
    """Headless chromium with every request off 127.0.0.1 refused: Swagger UI must load, run under
    the Content-Security-Policy, read the OpenAPI 3.1 document and call the API."""
    import shutil

    chromium = shutil.which("chromium")
    if chromium is None:
        _missing("Debian's chromium is not installed (apt-get install chromium): docs page test skipped")
    try:
        from playwright.sync_api import Route, expect, sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install -e '.[test]'): docs page test skipped")
    url, token = server
    outside: list[str] = []
    problems: list[str] = []

    def only_local(route: Route) -> None:
        if route.request.url.startswith(url + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=_ARGS)
        try:
            context = browser.new_context()
            context.route("**/*", only_local)
            page = context.new_page()
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.add_init_script(
                "document.addEventListener('securitypolicyviolation',"
                " e => console.error('CSP refused ' + e.violatedDirective))"
            )
            page.goto(url + "/docs")
            expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
            assert page.locator(".opblock").count() >= 15
            page.locator("button.authorize").first.click()
            page.locator(".modal-ux input").first.fill(token)
            page.locator(".modal-ux button.authorize").click()
            page.locator(".modal-ux button.btn-done").click()
            operation = page.locator("#operations-reference-list_municipalities_v1_municipalities_get")
            operation.locator(".opblock-summary").click()
            operation.get_by_role("button", name="Try it out").click()
            operation.get_by_role("button", name="Execute").click()
            statuses = operation.locator(".live-responses-table .response .response-col_status")
            expect(statuses.first).to_have_text("200", timeout=20_000)
        finally:
            browser.close()
    assert outside == []
    assert problems == []


# -------------------------------------------------------------------------------------- 405


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/v1/billing-runs", {"GET", "POST"}),
        ("PUT", f"/v1/scenarios/datasets/{PNR}", {"GET", "DELETE"}),
        ("POST", "/v1/billing-runs/7", {"GET"}),
        ("POST", "/docs", {"GET", "HEAD"}),
    ],
)
async def test_a_405_names_every_method_the_path_answers(
    api: Api,  # noqa: F811
    method: str,
    path: str,
    allowed: set[str],
) -> None:
    response = await api.client.request(method, path, headers=api.auth("admin"))
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/method-not-allowed")
    assert set(response.headers["allow"].split(", ")) == allowed
    # The header tells the truth: each method it names is answered, every other one is a 405.
    for other in METHODS:
        answer = await api.client.request(other, path, headers=api.auth("kommun"))
        assert (answer.status_code != 405) == (other in allowed), (other, answer.status_code)


# ---------------------------------------------------------------- nothing sent is echoed back


@pytest.mark.parametrize(
    ("method", "path", "role", "body", "status", "instance"),
    [
        ("GET", f"/v1/rulesets/{PNR}", "analyst", None, 404, "/v1/rulesets/{ruleset_id}"),
        ("GET", f"/v1/rulesets/{PNR}", None, None, 401, "/v1/rulesets/{ruleset_id}"),
        ("GET", f"/v1/municipalities/{PNR}", "analyst", None, 404, None),
        ("DELETE", f"/v1/municipalities/{PNR}", "analyst", None, 404, None),
        ("PUT", f"/v1/scenarios/datasets/{PNR}", "analyst", None, 405, "/v1/scenarios/datasets/{dataset_id}"),
        ("GET", f"/v1/billing-runs/{PNR}", "analyst", None, 422, "/v1/billing-runs/{run_id}"),
        ("GET", "/v1/billing-runs/1912121212", "analyst", None, 404, "/v1/billing-runs/{run_id}"),
        (
            "POST",
            "/v1/billing-runs/1912121212/finalize",
            "billing",
            None,
            404,
            "/v1/billing-runs/{run_id}/finalize",
        ),
        (
            "GET",
            "/v1/scenarios/datasets/1912121212",
            "analyst",
            None,
            404,
            "/v1/scenarios/datasets/{dataset_id}",
        ),
        (
            "DELETE",
            "/v1/scenarios/datasets/1912121212",
            "analyst",
            None,
            404,
            "/v1/scenarios/datasets/{dataset_id}",
        ),
        ("GET", f"/static/{PNR}.js", None, None, 404, "/static/{name}"),
        ("GET", f"/docs/assets/{PNR}.js", None, None, 404, "/docs/assets/{name}"),
        (
            "POST",
            "/v1/betalningsansvar/calculate",
            "analyst",
            {"month": MONTH, "episodes": EPISODES[:3], "ruleset": PNR},
            422,
            "/v1/betalningsansvar/calculate",
        ),
    ],
)
async def test_a_problem_names_the_route_never_the_value_sent(
    api: Api,  # noqa: F811
    method: str,
    path: str,
    role: str | None,
    body: Any,
    status: int,
    instance: str | None,
) -> None:
    headers = api.auth(role) if role else {}
    response = await api.client.request(method, f"{path}?q={PNR}", json=body, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["instance"] == instance
    assert DIGITS not in response.text


@pytest.mark.parametrize(("kommun", "status"), [(PNR, 422), ("0180", 404)])
async def test_an_invoice_problem_does_not_echo_the_municipality_sent(
    api: Api,  # noqa: F811
    kommun: str,
    status: int,
) -> None:
    run = (await api.create_run(EPISODES[:20])).json()["id"]
    for role in ("billing", "kommun"):  # not a party; another municipality than the key's
        response = await api.client.get(
            f"/v1/billing-runs/{run}/municipalities/{kommun}", headers=api.auth(role)
        )
        assert response.status_code == status
        assert response.json()["instance"] == "/v1/billing-runs/{run_id}/municipalities/{kommun}"
        assert kommun not in response.text


async def test_a_body_refused_before_routing_has_no_instance(database_url: str) -> None:  # noqa: F811
    import httpx

    app = create_app(database_url, max_body_bytes=64)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.post(f"/v1/billing-runs/{PNR}", content=b"x" * 100)
    finally:
        app.state.database.close()
    assert response.status_code == 413
    assert response.json()["instance"] is None
    assert DIGITS not in response.text


# ------------------------------------------------------------------------------------- logs


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    """Everything the app logged (the test client logs the URLs it sends itself)."""
    return "\n".join(
        f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.name.startswith("hos_avtal")
    )


async def test_the_access_log_names_the_route_never_the_path_query_or_headers(
    api: Api,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    headers = {**api.auth("analyst"), "X-Case": PNR, "Referer": f"http://x/{PNR}"}
    await api.client.get(f"/v1/rulesets/{PNR}?x={PNR}", headers=headers)
    await api.client.get(f"/v1/municipalities/{PNR}?x={PNR}")
    await api.client.request(f"X{DIGITS}", "/v1/health")
    lines = [r for r in caplog.records if r.name == "hos_avtal.access"]
    assert [(r.method, r.route, r.status) for r in lines] == [  # type: ignore[attr-defined]
        ("GET", "/v1/rulesets/{ruleset_id}", 404),
        ("GET", "-", 404),
        ("OTHER", "/v1/health", 405),
    ]
    assert re.fullmatch(r"GET /v1/rulesets/\{ruleset_id\} 404 \d+\.\d ms", lines[0].getMessage())
    assert all(r.duration_ms >= 0 for r in lines)  # type: ignore[attr-defined]
    assert DIGITS not in _logged(caplog)


async def test_an_unexpected_error_is_logged_by_type_and_route(
    api: Api,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    def boom(value: str) -> None:
        raise ValueError(f"row 3: {value} is not a date")

    api.app.add_api_route("/v1/boom/{value}", boom)
    caplog.set_level(logging.INFO)
    with pytest.raises(ValueError, match=DIGITS):  # the transport re-raises it, as uvicorn logs it
        await api.client.get(f"/v1/boom/{PNR}?x={PNR}")
    assert [r.getMessage() for r in caplog.records if r.name == "hos_avtal.api"] == [
        "unexpected ValueError on GET /v1/boom/{value}"
    ]
    [line] = [r for r in caplog.records if r.name == "hos_avtal.access"]
    assert (line.route, line.status) == ("/v1/boom/{value}", 500)  # type: ignore[attr-defined]
    assert DIGITS not in _logged(caplog)


def test_an_audit_row_that_fails_is_logged_by_route(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def write(self) -> Any:
            raise RuntimeError(f"disk full at {PNR}")

    audit = AuditMiddleware(app=None, db=Broken())  # type: ignore[arg-type]
    audit._record(1, "POST", 404, None, "/v1/billing-runs/{run_id}/finalize")
    assert [r.getMessage() for r in caplog.records] == [
        "audit row not written for key 1 POST /v1/billing-runs/{run_id}/finalize: RuntimeError"
    ]


def test_serve_turns_uvicorns_access_log_off_and_logs_ours(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    db = str(tmp_path / "serve.sqlite")
    assert run_cli(capsys, monkeypatch, "db", "upgrade", "--db", db)[0] == 0
    code, _out, err = run_cli(capsys, monkeypatch, "serve", "--db", db)
    assert code == 0, err
    [options] = calls
    assert options["access_log"] is False
    config = options["log_config"]
    assert config["loggers"]["hos_avtal"]["level"] == "INFO"
    assert config["loggers"]["hos_avtal"]["handlers"] == ["default"]
    assert all("exception_types_only" in h["filters"] for h in config["handlers"].values())
    assert config["filters"]["exception_types_only"]["()"] is ExceptionTypesOnly
    assert log_config() == config


def _raised() -> BaseException:
    try:
        try:
            int(PNR)
        except ValueError as inner:
            raise RuntimeError(f"episodes row 2: {PNR}") from inner
    except RuntimeError as exc:
        return exc
    raise AssertionError("nothing was raised")


def test_a_logged_exception_keeps_its_types_and_frames_not_its_messages() -> None:
    exc = _raised()
    record = logging.LogRecord(
        "uvicorn.error", logging.ERROR, __file__, 1, "Exception in %s", ("ASGI",), None
    )
    record.exc_info = (type(exc), exc, exc.__traceback__)
    assert ExceptionTypesOnly().filter(record)
    text = logging.Formatter().format(record)
    assert DIGITS not in text
    assert text.startswith("Exception in ASGI\nTraceback (most recent call last):\n")
    assert "ValueError" in text
    assert text.endswith("RuntimeError")
    assert "_raised" in text  # the frames are kept


# ---------------------------------------------------------------------------- idempotency


async def test_an_idempotency_key_is_stored_as_its_digest_and_still_replays(api: Api) -> None:  # noqa: F811
    headers = {**api.auth("billing"), "Idempotency-Key": PNR}
    body = {"month": MONTH, "episodes": EPISODES[:20]}
    first = await api.client.post("/v1/billing-runs", json=body, headers=headers)
    again = await api.client.post("/v1/billing-runs", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    with api.app.state.database.read() as connection:
        rows = [dict(r._mapping) for r in connection.execute(sa.select(idempotency_key))]
    assert len(rows) == 1
    assert rows[0]["idempotency_key"] == hashlib.sha256(PNR.encode()).hexdigest()
    assert all(PNR not in str(value) and DIGITS not in str(value) for value in rows[0].values())
    other = await api.client.post(
        "/v1/billing-runs", json={**body, "episodes": EPISODES[:10]}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
