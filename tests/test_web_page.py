"""The negotiators' web page end to end: the real app under uvicorn, driven in Debian's headless
chromium through Playwright. A slider move must change the scenario total on the page, the Excel
download must be a workbook, and no request may leave 127.0.0.1 (the page works offline)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hos_avtal.api import create_app
from hos_avtal.api._keys import create_key
from hos_avtal.synth import month_range, synth_episodes

SCREENSHOT = Path(__file__).resolve().parent.parent / "build" / "screenshots" / "scenario-page.png"
_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _missing(reason: str) -> None:
    # CI installs chromium (.ci/run), so there a missing browser is a failure, not a skip.
    if os.environ.get("HOS_AVTAL_CI"):
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The app on a free port of 127.0.0.1 with a fresh SQLite database; (base URL, analyst token)."""
    import uvicorn

    app = create_app(str(tmp_path / "web.sqlite"))
    _key, token = create_key(app.state.database, "analyst")
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uvicorn_server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", token
    finally:
        uvicorn_server.should_exit = True
        thread.join(timeout=10)


def test_a_slider_move_changes_the_scenario_total(server: tuple[str, str], tmp_path: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        _missing("Debian's chromium is not installed (apt-get install chromium): web page test skipped")
    try:
        from playwright.sync_api import Route, expect, sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install -e '.[test]'): web page test skipped")
    url, token = server
    episodes = tmp_path / "episoder.csv"
    synth_episodes(month_range("2022-03"), episodes_per_month=800, seed=11).write_csv(episodes)
    outside: list[str] = []

    def only_local(route: Route) -> None:
        if route.request.url.startswith(url + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=_ARGS)
        try:
            context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
            context.route("**/*", only_local)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(url + "/")
            expect(page.locator("html")).to_have_attribute("lang", "sv")
            page.get_by_label("API-nyckel (roll analytiker)").fill(token)
            page.get_by_role("button", name="Spara nyckel").click()
            expect(page.locator("#nyckel-status")).to_contain_text("Nyckel sparad")

            page.locator("#upload-file").set_input_files(str(episodes))
            page.get_by_role("button", name="Ladda upp").click()
            rows = page.locator("#municipalities tr.kommun-row")
            expect(rows).to_have_count(49, timeout=20_000)
            base_total = page.locator("#total-base")
            expect(base_total).to_have_text(_kronor_pattern())
            scenario_total = page.locator("#total-scenario")
            before = scenario_total.inner_text()
            assert before == base_total.inner_text()  # nothing changed yet: scenario equals base
            expect(page.locator("#threshold-number")).to_have_value("3.0")

            _slide(page, "#threshold-range", "2.5")
            expect(scenario_total).not_to_have_text(before, timeout=15_000)
            expect(page.locator("#total-diff")).not_to_have_text("±0 kr")
            assert page.locator("#threshold-number").input_value() == "2.5"
            assert _amount(scenario_total.inner_text()) > _amount(before)
            assert _amount(page.locator("#total-diff").inner_text()) != 0

            with page.expect_download() as download_info:
                page.get_by_role("button", name="Ladda ner Excel").click()
            saved = tmp_path / download_info.value.suggested_filename
            download_info.value.save_as(saved)
            assert saved.suffix == ".xlsx"
            assert saved.read_bytes()[:2] == b"PK"

            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
            page.screenshot(path=str(tmp_path / "scenario-page.png"), full_page=True)
            assert not page.locator("#fel").is_visible(), page.locator("#fel").inner_text()
            assert errors == []
        finally:
            browser.close()
    assert outside == [], f"requests left 127.0.0.1: {outside}"


def _slide(page: Any, selector: str, value: str) -> None:
    """Set a range input as a user's drag does: the value, then input and change events."""
    page.locator(selector).evaluate(
        """(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true}));
                        el.dispatchEvent(new Event('change', {bubbles: true})); }""",
        value,
    )


def _kronor_pattern() -> Any:
    import re

    return re.compile(r"^[\d\s\u00a0\u202f]+ kr$")


def _amount(text: str) -> int:
    """``"1 234 567 kr"`` (spaces of any width, a minus sign or ±) as an integer."""
    digits = "".join(ch for ch in text if ch.isdigit())
    sign = -1 if text.strip().startswith(("−", "-")) else 1
    return sign * int(digits or 0)
