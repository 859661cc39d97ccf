"""Reading an invoice basis: one municipality's rows only, the same bytes as building the whole
run, and the encoded answers kept per run, municipality and format (ETag, 304), on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest
from fastapi.responses import JSONResponse

from hos_avtal.api._cache import Encoded, ResponseCache, etag_matches
from hos_avtal.api._convert import invoice_json
from hos_avtal.api._schemas import InvoiceBasisOut
from hos_avtal.api.routers import _invoice
from hos_avtal.exports import InvoiceBasis, RunBasis, build_run_basis
from hos_avtal.exports._csv import invoice_frames, to_csv_bytes
from hos_avtal.exports._pdf import invoice_pdf
from hos_avtal.exports._xlsx import invoice_workbook
from hos_avtal.months import month_range
from hos_avtal.municipalities import parties
from hos_avtal.runs import RunSummary, execute_run
from hos_avtal.storage import Database, delete_draft, final_runs_before, finalize, load_run
from hos_avtal.synth import synth_episodes, synth_placements, synth_visits
from test_api import Api, anyio_backend, api  # noqa: F401  (fixtures)
from test_storage import database_url  # noqa: F401  (the database fixture)

pytestmark = pytest.mark.anyio


@pytest.fixture
def app(api: Api) -> Api:  # noqa: F811
    return api


EPISODES = synth_episodes(month_range("2023-04..2023-06"), episodes_per_month=300, seed=5)
PLACEMENTS, COSTS, AGREEMENTS = synth_placements(month_range("2023-06"), placements=40, seed=5)
VISITS = synth_visits(month_range("2023-06"), visits_per_month=200, seed=5)
TARIFFS = pl.DataFrame(
    [(p.code, "2023", service, "700.00") for p in parties() for service in ("hemtjanst", "hemsjukvard")],
    schema=["kommun", "year", "service", "sek_per_hour"],
    orient="row",
)
FORMATS = ("json", "csv", "xlsx", "pdf")


def _run(db: Database, month: str, episodes: pl.DataFrame = EPISODES, **more: Any) -> int:
    return execute_run(db, month, episodes, daily_amount_sek="9300.00", **more).summary.id


def _june(db: Database, episodes: pl.DataFrame = EPISODES) -> int:
    more = {"placements": PLACEMENTS, "costs": COSTS, "agreements": AGREEMENTS}
    return _run(db, "2023-06", episodes, **more, visits=VISITS, tariffs=TARIFFS)


def _old(run_basis: RunBasis, summary: RunSummary, kommun: str, fmt: str) -> bytes:
    """What the route answered before it read one municipality: the basis of all 49, one used."""
    basis = run_basis.get(kommun)
    if fmt == "json":
        out = InvoiceBasisOut.model_validate(invoice_json(summary, basis)).model_dump(mode="json")
        return bytes(JSONResponse(out).body)
    if fmt == "csv":
        return to_csv_bytes(invoice_frames([basis])[0])
    return invoice_workbook(basis) if fmt == "xlsx" else invoice_pdf(basis)


def _url(run: int, kommun: str, fmt: str) -> str:
    return f"/v1/billing-runs/{run}/municipalities/{kommun}?format={fmt}"


async def test_one_municipality_is_the_same_bytes_as_the_whole_run(app: Api) -> None:
    db = app.app.state.database
    april = _run(db, "2023-04")
    finalize(db, april, "test")
    may = _run(db, "2023-05")
    finalize(db, may, "test")
    first = _june(db)
    finalize(db, first, "test")
    second = _june(db, EPISODES.sample(fraction=0.9, seed=1))  # a draft with correction lines
    for run in (first, second):
        stored = load_run(db, run)
        run_basis = build_run_basis(stored)
        bases = run_basis.bases
        # Every part of a basis is exercised: lines of each kind, corrections, a recurring count.
        parts: dict[str, Callable[[InvoiceBasis], bool]] = {
            "corrections": lambda b: bool(b.corrections.by_capability),
            "placements": lambda b: b.placements is not None and b.placements.lines.height > 0,
            "payments": lambda b: b.home_care is not None and b.home_care.payments.height > 0,
            "owed": lambda b: b.home_care is not None and b.home_care.owed_lines.height > 0,
            "recurring": lambda b: b.betalningsansvar.recurring_months > 1,
        }
        chosen = {"1480", "1401"}
        for name, has in parts.items():
            found = [b.kommun for b in bases if has(b)]
            assert found or (name == "corrections" and run == first), name
            chosen.update(found[:1])
        assert len(chosen) >= 4
        assert any(b.corrections.by_capability for b in bases) == (run == second)
        assert any(b.betalningsansvar.recurring_months >= 3 for b in bases)
        for basis in bases:
            kommun = basis.kommun
            for fmt in FORMATS if kommun in chosen else ("json", "csv"):
                response = await app.client.get(_url(run, kommun, fmt), headers=app.auth("admin"))
                assert response.status_code == 200, response.text
                assert response.content == _old(run_basis, stored.summary, kommun, fmt), (run, kommun, fmt)


async def test_a_kept_answer_is_the_same_bytes_and_read_once(
    app: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = app.app.state.database
    run = _june(db)
    finalize(db, run, "test")
    reads: list[str] = []
    from hos_avtal.storage import load_run_municipality as load

    def counting(db: Database, run_id: int, kommun: str) -> Any:
        reads.append(kommun)
        return load(db, run_id, kommun)

    monkeypatch.setattr(_invoice, "load_run_municipality", counting)
    for fmt in FORMATS:
        first = await app.client.get(_url(run, "1480", fmt), headers=app.auth("billing"))
        again = await app.client.get(_url(run, "1480", fmt), headers=app.auth("kommun"))
        assert first.status_code == again.status_code == 200
        assert first.content == again.content
        assert first.headers["etag"] == again.headers["etag"]
        assert first.headers["etag"] == f'"{hashlib.sha256(first.content).hexdigest()}"'
        assert first.headers["cache-control"] == "private, no-cache"
        assert first.headers["vary"] == "Accept"
        assert first.headers["content-type"] == again.headers["content-type"]
    assert reads == ["1480"] * len(FORMATS)
    by_accept = await app.client.get(
        f"/v1/billing-runs/{run}/municipalities/1480", headers={**app.auth("admin"), "Accept": "text/csv"}
    )
    assert (
        by_accept.content
        == (await app.client.get(_url(run, "1480", "csv"), headers=app.auth("admin"))).content
    )
    assert len(reads) == len(FORMATS)


async def test_if_none_match_with_the_etag_is_a_304(app: Api) -> None:
    run = _june(app.app.state.database)
    for fmt in ("json", "pdf"):
        url = _url(run, "1480", fmt)
        first = await app.client.get(url, headers=app.auth("admin"))
        etag = first.headers["etag"]
        for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
            again = await app.client.get(url, headers={**app.auth("admin"), "If-None-Match": header})
            assert again.status_code == 304, header
            assert again.content == b""
            assert again.headers["etag"] == etag
            assert again.headers["cache-control"] == "private, no-cache"
            assert "content-disposition" not in again.headers
        other = await app.client.get(url, headers={**app.auth("admin"), "If-None-Match": '"other"'})
        assert other.status_code == 200
        assert other.content == first.content


async def test_a_kommun_key_gets_404_for_another_municipality_even_when_it_is_kept(app: Api) -> None:
    run = _june(app.app.state.database)
    url = _url(run, "1401", "json")
    kept = await app.client.get(url, headers=app.auth("admin"))
    assert kept.status_code == 200
    for headers in ({}, {"If-None-Match": kept.headers["etag"]}, {"If-None-Match": "*"}):
        refused = await app.client.get(url, headers={**app.auth("kommun"), **headers})
        assert refused.status_code == 404
        assert refused.headers["content-type"] == "application/problem+json"
        assert "etag" not in refused.headers


async def test_a_draft_is_never_served_after_it_changed(app: Api) -> None:
    db = app.app.state.database
    run = _june(db)
    url = _url(run, "1480", "json")
    draft = await app.client.get(url, headers=app.auth("admin"))
    assert draft.json()["draft"] is True
    assert draft.json()["run"]["state"] == "draft"
    finalize(db, run, "test")
    final = await app.client.get(url, headers={**app.auth("admin"), "If-None-Match": draft.headers["etag"]})
    assert final.status_code == 200
    assert final.json()["draft"] is False
    assert final.json()["run"]["finalized_by"] == "test"
    assert final.headers["etag"] != draft.headers["etag"]

    other = _june(db, EPISODES.head(500))
    kept = await app.client.get(_url(other, "1480", "csv"), headers=app.auth("admin"))
    assert kept.status_code == 200
    delete_draft(db, other)
    gone = await app.client.get(_url(other, "1480", "csv"), headers=app.auth("admin"))
    assert gone.status_code == 404


async def test_a_final_run_shows_a_new_final_of_an_earlier_month(app: Api) -> None:
    """A correction of an earlier month changes the months in a row with a liability of a final
    run of a later month: what was kept before must not be served after."""
    db = app.app.state.database
    june = _june(db)
    finalize(db, june, "test")
    url = _url(june, "1480", "json")
    before = (await app.client.get(url, headers=app.auth("admin"))).json()
    assert final_runs_before(db, dt.date(2023, 6, 1)) == 0
    may = _run(db, "2023-05")
    finalize(db, may, "test")
    assert final_runs_before(db, dt.date(2023, 6, 1)) == 1
    after = await app.client.get(url, headers=app.auth("admin"))
    assert (
        after.json()["betalningsansvar"]["recurring_months"] != before["betalningsansvar"]["recurring_months"]
    )
    stored = load_run(db, june)
    assert after.content == _old(build_run_basis(stored), stored.summary, "1480", "json")


async def test_unknown_run_or_municipality_is_still_a_404(app: Api) -> None:
    run = _june(app.app.state.database)
    missing = await app.client.get(_url(run + 100, "1480", "json"), headers=app.auth("admin"))
    assert missing.status_code == 404
    not_party = await app.client.get(_url(run, "0180", "json"), headers=app.auth("admin"))
    assert not_party.status_code == 404
    assert "49 municipalities" in not_party.json()["detail"]


def test_the_cache_keeps_the_most_recently_used_within_its_bytes() -> None:
    cache = ResponseCache(max_bytes=10)
    cache.put("a", Encoded.of(b"aaaa", "text/plain"))
    cache.put("b", Encoded.of(b"bbbb", "text/plain"))
    assert cache.get("a") is not None  # now the most recently used
    cache.put("c", Encoded.of(b"cccc", "text/plain"))
    assert cache.get("b") is None
    assert cache.get("a") is not None
    assert cache.get("c") is not None
    assert cache.size == 8
    cache.put("big", Encoded.of(b"x" * 11, "text/plain"))  # larger than the whole cache: not kept
    assert cache.get("big") is None
    assert len(cache) == 2
    cache.put("a", Encoded.of(b"a", "text/plain"))
    assert cache.size == 5
    off = ResponseCache(max_bytes=0)
    off.put("a", Encoded.of(b"a", "text/plain"))
    assert len(off) == 0


def test_etag_comparison_is_weak_and_takes_a_list() -> None:
    tag = '"abc"'
    assert etag_matches(tag, tag)
    assert etag_matches('W/"abc"', tag)
    assert etag_matches('"x", W/"abc" ', tag)
    assert etag_matches("*", tag)
    assert not etag_matches(None, tag)
    assert not etag_matches('"abcd"', tag)
    assert not etag_matches("abc", tag)
