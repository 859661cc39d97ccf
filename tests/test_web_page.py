"""The negotiators' web page end to end: the real app under uvicorn, driven in Debian's headless
chromium through Playwright. A slider move must change the scenario total on the page, the Excel
download must be a workbook, and no request may leave 127.0.0.1 (the page works offline). A second
test uploads every kind of input through the page's file fields and varies the schablon share of
placements and a home-care tariff."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from hos_avtal.api import create_app, create_key
from hos_avtal.municipalities import parties
from hos_avtal.synth import month_range, synth_episodes, synth_placements, synth_visits

SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"
SCREENSHOT = SCREENSHOTS / "scenario-page.png"
SCREENSHOT_ALL = SCREENSHOTS / "scenario-page-all.png"
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
    from playwright.sync_api import expect

    url, token = server
    episodes = tmp_path / "episoder.csv"
    synth_episodes(month_range("2022-03"), episodes_per_month=800, seed=11).write_csv(episodes)

    with _page(url, token) as page:
        page.locator("#upload-file").set_input_files(str(episodes))
        page.get_by_role("button", name="Ladda upp").click()
        rows = page.locator("#municipalities tr.kommun-row")
        expect(rows).to_have_count(49, timeout=20_000)
        base_total = page.locator("#total-base")
        expect(base_total).to_have_text(_kronor_pattern())
        scenario_total = page.locator("#total-scenario")
        before = scenario_total.inner_text()
        assert before == base_total.inner_text()  # nothing changed yet: scenario equals base
        expect(page.locator("#average_threshold_days-number")).to_have_value("3.0")
        # Episodes only: one part, so neither the "Visa" choice nor the per-part table is offered.
        expect(page.locator("#param-placements")).to_be_hidden()
        expect(page.locator("#param-home-care")).to_be_hidden()
        expect(page.locator("#view-row")).to_be_hidden()
        expect(page.locator("#per-del-block")).to_be_hidden()

        _slide(page, "#average_threshold_days-range", "2.5")
        expect(scenario_total).not_to_have_text(before, timeout=15_000)
        expect(page.locator("#total-diff")).not_to_have_text("±0 kr")
        assert page.locator("#average_threshold_days-number").input_value() == "2.5"
        assert _amount(scenario_total.inner_text()) > _amount(before)
        assert _amount(page.locator("#total-diff").inner_text()) != 0
        expect(page.locator("#scenario-name")).to_have_text("Scenario: Genomsnittsgräns 2,5 dagar")
        expect(page.locator("#chart-title")).to_have_text("Betalningsansvar per kommun: bas och scenario")

        with page.expect_download() as download_info:
            page.get_by_role("button", name="Ladda ner Excel").click()
        saved = tmp_path / download_info.value.suggested_filename
        download_info.value.save_as(saved)
        assert saved.suffix == ".xlsx"
        assert saved.read_bytes()[:2] == b"PK"

        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        page.screenshot(path=str(tmp_path / "scenario-page.png"), full_page=True)

        # The negotiator is done with the data: removing it asks first, then the list is empty.
        delete = page.get_by_role("button", name="Ta bort underlaget")
        expect(delete).to_be_enabled()
        page.once("dialog", lambda dialog: dialog.dismiss())
        delete.click()
        expect(page.locator("#dataset-select option")).to_have_count(2)  # dismissed: still there
        page.once("dialog", lambda dialog: dialog.accept())
        delete.click()
        expect(page.locator("#status")).to_have_text(re.compile("är borttaget"), timeout=10_000)
        expect(page.locator("#dataset-select option")).to_have_count(1)
        expect(delete).to_be_disabled()
        expect(page.locator("#dataset-info")).to_have_text("")


def test_placements_and_home_care_on_the_page(server: tuple[str, str], tmp_path: Path) -> None:
    """Every input uploaded through the page (March 2024, the 2023 agreement): the schablon share
    moves the placements amount, a hemsjukvård tariff the home-care amount, each on its own."""
    import polars as pl
    from playwright.sync_api import expect

    url, token = server
    months = month_range("2024-03")
    files = {
        "upload-file": tmp_path / "episoder.csv",
        "upload-placements": tmp_path / "placeringar.csv",
        "upload-costs": tmp_path / "kostnader.csv",
        "upload-agreements": tmp_path / "overenskommelser.csv",
        "upload-visits": tmp_path / "besok.csv",
        "upload-tariffs": tmp_path / "taxor.csv",
    }
    episodes = synth_episodes(months, episodes_per_month=600, seed=5)
    episodes.write_csv(files["upload-file"])
    placements, costs, agreements = synth_placements(months, placements=60, seed=5)
    placements.write_csv(files["upload-placements"])
    costs.write_csv(files["upload-costs"])
    agreements.write_csv(files["upload-agreements"])
    visits = synth_visits(months, visits_per_month=300, seed=5)
    visits.write_csv(files["upload-visits"])
    # VästKom recommended no hemtjänst tariff for 2024: every municipality's own decided one.
    pl.DataFrame(
        {
            "kommun": [m.code for m in parties()],
            "year": 2024,
            "service": "hemtjanst",
            "sek_per_hour": "455.00",
        }
    ).write_csv(files["upload-tariffs"])

    with _page(url, token) as page:
        # The page checks the placement trio before sending anything.
        page.locator("#upload-placements").set_input_files(str(files["upload-placements"]))
        page.get_by_role("button", name="Ladda upp").click()
        expect(page.locator("#fel")).to_contain_text("Placeringar behöver alla tre filerna")
        expect(page.locator("#fel")).to_contain_text("kostnader, överenskommelser")

        for field, path in files.items():
            page.locator(f"#{field}").set_input_files(str(path))
        page.get_by_label("Namn på underlaget (valfritt)").fill("Mars 2024, alla delar")
        page.get_by_role("button", name="Ladda upp").click()
        info = page.locator("#dataset-info")
        rows = (episodes.height, placements.height, visits.height)
        holds = "{} episoder, {} placeringar, {} besök, 49 taxor; mars 2024".format(*rows)
        expect(info).to_have_text(holds, timeout=20_000)
        expect(page.locator("#fel")).to_be_hidden()

        # No fastställt belopp ships for 2024: the page asks for one before it compares.
        expect(page.locator("#fixed-amount-row")).to_be_visible()
        expect(page.locator("#status")).to_contain_text("Ange fastställt belopp för 2024")
        page.get_by_label("Fastställt belopp (bas och scenario)").fill("10000")
        page.get_by_label("Fastställt belopp (bas och scenario)").press("Tab")
        expect(page.locator("#municipalities tr.kommun-row")).to_have_count(49, timeout=20_000)
        expect(page.locator("#daily_amount_sek-number")).to_have_value("10000")

        for legend in ("Betalningsansvar", "Placeringar", "Hemtjänst och hemsjukvård i annan kommun"):
            expect(page.locator("#parametrar legend", has_text=legend)).to_be_visible()
        share = page.locator("#schablon_region_share-number")
        expect(share).to_have_value("33.3")
        expect(page.locator("#schablon_region_share-hint")).to_contain_text("Basen: 1/3 – exakt en tredjedel")
        expect(page.locator("#hemtjanst_sek_per_hour-number")).to_be_disabled()
        expect(page.locator("#hemtjanst_sek_per_hour-hint")).to_contain_text("Basen har inget värde för 2024")
        expect(page.locator("#hemsjukvard_sek_per_hour-number")).to_have_value("828")
        expect(page.locator("#per-del tbody tr")).to_have_count(3)
        expect(page.locator("#view-select option")).to_have_text(
            ["Alla delar", "Betalningsansvar", "Placeringar", "Hemtjänst och hemsjukvård"]
        )

        # (a) The region's share under the schablon, 33.3 % -> 25 %: the kommuner pay more.
        page.get_by_label("Visa").select_option("placements")
        expect(page.locator("#chart-title")).to_have_text("Placeringar per kommun: bas och scenario")
        expect(page.locator("#municipalities-caption")).to_contain_text("Placeringar per kommun")
        placements_base = page.locator("#total-base").inner_text()
        assert _amount(placements_base) > 0
        assert page.locator("#total-scenario").inner_text() == placements_base
        with page.expect_request(
            lambda r: "/v1/scenarios/compare" in r.url and "placements" in (r.post_data or "")
        ) as sent:
            share.fill("25")
        body = json.loads(sent.value.post_data or "{}")
        assert body["scenarios"][0]["placements"] == {"schablon_region_share": "0.25"}
        assert "home_care" not in body["scenarios"][0]
        scenario_total = page.locator("#total-scenario")
        expect(scenario_total).not_to_have_text(placements_base, timeout=15_000)
        assert _amount(scenario_total.inner_text()) > _amount(placements_base)
        expect(page.locator("#scenario-name")).to_have_text("Scenario: Schablonandel 25,0 %")
        expect(page.locator("#andringar")).to_have_text("Ändrat mot basen: schablonandel 25,0 %.")
        placements_row = page.locator("#per-del tr[data-capability=placements] td")
        expect(placements_row.nth(1)).to_have_text(scenario_total.inner_text())

        # Home care did not move with the share.
        page.get_by_label("Visa").select_option("home_care")
        expect(page.locator("#chart-title")).to_have_text(
            "Hemtjänst och hemsjukvård i annan kommun per kommun: bas och scenario"
        )
        home_base = page.locator("#total-base").inner_text()
        expect(scenario_total).to_have_text(home_base)
        assert _amount(home_base) > 0

        # (b) The hemsjukvård tariff, 828 -> 1 000 kr an hour, from the keyboard on the slider.
        slider = page.locator("#hemsjukvard_sek_per_hour-range")
        slider.focus()
        with page.expect_request(
            lambda r: "/v1/scenarios/compare" in r.url and "home_care" in (r.post_data or "")
        ) as sent:
            slider.press("ArrowRight")
        body = json.loads(sent.value.post_data or "{}")
        assert body["scenarios"][0]["home_care"] == {"hemsjukvard_sek_per_hour": "829.00"}
        page.get_by_label("Hemsjukvård, timpris (kr per timme)").fill("1000")
        expect(page.locator("#scenario-name")).to_have_text(
            re.compile(r"^Scenario: Schablonandel 25,0 %; hemsjukvård 1\s000 kr per timme$")
        )
        expect(scenario_total).not_to_have_text(home_base, timeout=15_000)
        assert _amount(scenario_total.inner_text()) > _amount(home_base)
        expect(page.locator("#total-diff")).not_to_have_text("±0 kr")

        # Exact shares: 33.5 % is sent as 0.335, not as a binary float's 0.33499….
        with page.expect_request(
            lambda r: "/v1/scenarios/compare" in r.url and "0.335" in (r.post_data or "")
        ) as sent:
            share.fill("33.5")
        body = json.loads(sent.value.post_data or "{}")
        assert body["scenarios"][0]["placements"] == {"schablon_region_share": "0.335"}
        assert body["daily_amount_sek"] == "10000.00"

        page.get_by_label("Visa").select_option("all")
        expect(page.locator("#chart-title")).to_have_text("Alla delar per kommun: bas och scenario")
        expect(page.locator("#per-del tbody tr")).to_have_count(3)
        expect(page.locator("#scenario-name")).to_contain_text("Schablonandel 33,5 %", timeout=15_000)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_ALL), full_page=True)

        # Back to the base: nothing changed, scenario equals base again.
        page.get_by_role("button", name="Återställ till basens värden").click()
        expect(page.locator("#andringar")).to_have_text("Inga ändringar mot basen.")
        expect(share).to_have_value("33.3")
        expect(scenario_total).to_have_text(page.locator("#total-base").inner_text(), timeout=15_000)


def test_a_registered_agreement_is_a_base_and_its_differences_are_shown(
    server: tuple[str, str], tmp_path: Path
) -> None:
    """The administrator registered a 2027 agreement: the page offers it as a base, and shows what
    it changes against the agreement before, with both sources. The controls come from the catalog."""
    import datetime as dt

    import httpx
    from playwright.sync_api import expect

    from hos_avtal.rules import derive_ruleset

    url, token = server
    text = derive_ruleset(
        "vgr-2023", "vgr-2027", dt.date(2027, 1, 1), None,
        changes=["betalningsansvar.individual_after_days=5"], source="HoS-avtal 2027 Del C §5",
    ).toml  # fmt: skip
    database = tmp_path / "web.sqlite"
    from hos_avtal.storage import Actor, open_database, register_ruleset

    with open_database(database) as db:
        register_ruleset(db, text, "vgr-2027.toml", Actor("admin"))
    catalog = httpx.get(f"{url}/v1/parameters", headers={"Authorization": f"Bearer {token}"}).json()
    with _page(url, token) as page:
        expect(page.locator("#base-select option[value=vgr-2027]")).to_have_text(re.compile("registrerat"))
        for spec in catalog:
            if spec["sweep"] and spec["capability"] != "plausibility":
                suffix = "check" if spec["type"] == "boolean" else "number"
                expect(page.locator(f"#{spec['name']}-{suffix}")).to_have_count(1)
        page.locator("summary", has_text="Skillnader mellan två regelverk").click()
        page.locator("#diff-a").select_option("vgr-2023")
        page.locator("#diff-b").select_option("vgr-2027")
        page.get_by_role("button", name="Visa skillnader").click()
        rows = page.locator("#diff-table tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first.locator("td")).to_have_text(
            [
                "betalningsansvar.individual_after_days",
                "7",
                "5",
                re.compile("HoS-avtal 2023–2026"),
                "HoS-avtal 2027 Del C §5",
            ]
        )
        page.locator("#diff-b").select_option("vgr-2023")
        page.get_by_role("button", name="Visa skillnader").click()
        expect(page.locator("#diff-empty")).to_have_text("vgr-2023 och vgr-2023 har samma parametervärden.")


def test_lage_i_dag_for_the_billing_office_and_for_a_municipality(
    server: tuple[str, str], tmp_path: Path
) -> None:
    """The billing office stored this morning's snapshot: an analyst sees the 49 as SAMSA shows
    them and picks a municipality's waiting list; Göteborg's key opens on Göteborg alone."""
    import datetime as dt

    import httpx
    from playwright.sync_api import expect

    from hos_avtal.storage import open_database

    url, token = server
    with open_database(tmp_path / "web.sqlite") as db:
        _billing_key, billing = create_key(db, "billing")
        _kommun_key, kommun = create_key(db, "kommun", "1480")
    episodes = synth_episodes(month_range("2022-03"), episodes_per_month=1500, seed=7)
    today = episodes.filter(pl.col("ready_date") <= dt.date(2022, 3, 20))
    body = {"date": "2022-03-20", "episodes": json.loads(today.write_json())}
    stored = httpx.post(
        f"{url}/v1/prognos/snapshots", json=body, headers={"Authorization": f"Bearer {billing}"}, timeout=60
    )
    assert stored.status_code == 201, stored.text
    expected = httpx.get(f"{url}/v1/prognos/latest", headers={"Authorization": f"Bearer {token}"}).json()
    red = sum(m["status"] == "red" for m in expected["municipalities"])
    assert expected["waiting"], "the day must have someone waiting"

    with _page(url, token) as page:
        page.get_by_role("button", name="Läget i dag").click()
        rows = page.locator("#lage-kommuner tr.lage-rad")
        expect(rows).to_have_count(49, timeout=20_000)
        expect(page.locator("#lage-kommuner tr.rod")).to_have_count(red)
        expect(page.locator("#lage-info")).to_contain_text("Läget 2022-03-20 (mars 2022 hittills)")
        # It opens on the municipality of the most expensive day; another is one click away.
        first = expected["waiting"][0]
        expect(page.locator("#lage-vantar-rubrik")).to_contain_text(f"({first['kommun']})")
        expect(page.locator("#lage-vantar tr.vantar-rad").first.locator("td")).to_have_text(
            [first["episode_id"], re.compile(first["care_type"], re.IGNORECASE), first["ready_date"],
             str(first["days_waited"]), re.compile("."), first["individual_from"] or "–", _kronor_pattern(),
             re.compile(".*")]
        )  # fmt: skip
        boras = [w for w in expected["waiting"] if w["kommun"] == "1490"]
        page.get_by_role("button", name="Borås (1490)").click()
        expect(page.locator("#lage-vantar-rubrik")).to_have_text("Väntar: Borås (1490)")
        expect(page.locator("#lage-vantar tr.vantar-rad")).to_have_count(len(boras))
        costs = page.locator("#lage-vantar tr.vantar-rad td:nth-child(7)").all_inner_texts()
        assert [_amount(c) for c in costs] == [int(w["marginal_cost_sek"].split(".")[0]) for w in boras]
        page.get_by_label("Kommun", exact=True).select_option("1401")
        expect(page.locator("#lage-vantar-rubrik")).to_have_text("Väntar: Härryda (1401)")
        page.screenshot(path=str(tmp_path / "lage-i-dag.png"), full_page=True)

    with _page(url, kommun) as page:
        expect(page.locator("#vy-lage")).to_be_visible()
        expect(page.locator("#vyer")).to_be_hidden()  # no scenarios for a kommun key
        expect(page.locator("#vy-scenarier")).to_be_hidden()
        expect(page.locator("#nyckel-status")).to_contain_text("kommun, Göteborg")
        expect(page.locator("#lage-kommuner tr.lage-rad")).to_have_count(1, timeout=20_000)
        expect(page.locator("#lage-kommuner tr.lage-rad th")).to_have_text("Göteborg (1480)")
        expect(page.locator("#lage-vantar-rubrik")).to_have_text("Väntar: Göteborg (1480)")
        own = [w for w in expected["waiting"] if w["kommun"] == "1480"]
        expect(page.locator("#lage-vantar tr.vantar-rad")).to_have_count(len(own))
        expect(page.locator("#lage-kommun-rad")).to_be_hidden()
        # A day without a snapshot says so, and the page stays usable.
        page.get_by_label("Dag", exact=True).fill("2022-03-19")
        page.get_by_role("button", name="Visa", exact=True).click()
        expect(page.locator("#status")).to_have_text("Inget lagrat läge för 2022-03-19.")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.get_by_label("Dag", exact=True).fill("")
        page.get_by_role("button", name="Visa", exact=True).click()
        expect(page.locator("#lage-kommuner tr.lage-rad")).to_have_count(1)
        page.screenshot(path=str(SCREENSHOTS / "lage-i-dag-kommun.png"), full_page=True)


@contextmanager
def _page(url: str, token: str) -> Iterator[Any]:
    """A page of headless chromium at ``url`` with the API key saved; only 127.0.0.1 is reachable,
    and neither a script error nor an error box on the page may be left at the end."""
    chromium = shutil.which("chromium")
    if chromium is None:
        _missing("Debian's chromium is not installed (apt-get install chromium): web page test skipped")
    try:
        from playwright.sync_api import Route, expect, sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install -e '.[test]'): web page test skipped")
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
            page.get_by_label("API-nyckel", exact=True).fill(token)
            page.get_by_role("button", name="Spara nyckel").click()
            expect(page.locator("#nyckel-status")).to_contain_text("Nyckel sparad")
            yield page
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
    return re.compile(r"^[\d\s\u00a0\u202f]+ kr$")


def _amount(text: str) -> int:
    """``"1 234 567 kr"`` (spaces of any width, a minus sign or ±) as an integer."""
    digits = "".join(ch for ch in text if ch.isdigit())
    sign = -1 if text.strip().startswith(("−", "-")) else 1
    return sign * int(digits or 0)
