"""The fuzz suite: arbitrary bytes to every reader and arbitrary values in every API body.

A reader either returns a typed frame or raises :class:`~hos_avtal.errors.InputError` with a
message; any other exception is a traceback a user would see. An API request gets a 4xx problem
document, never a 5xx, and nothing is stored unless the request was a valid one. Bounded
examples (60 per test), so the suite runs in CI on every change; for a longer hunt set
``HOS_AVTAL_FUZZ_EXAMPLES``, e.g. to 1500 (about a minute and a half here).
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import HEADER
from hos_avtal.api import create_app, create_key
from hos_avtal.errors import InputError
from hos_avtal.io import read_episodes, read_placement_inputs, read_tariffs, read_visits
from hos_avtal.storage._models import billing_run, scenario_dataset
from test_api import EPISODES, MONTH, PLACEMENTS_BODY, VISITS

FUZZ = settings(
    max_examples=int(os.environ.get("HOS_AVTAL_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
_FOLDER = Path(tempfile.mkdtemp(prefix="hos-avtal-fuzz-"))

# ---------------------------------------------------------------------------------- readers

GOOD = "e1,p1,1480,somatik,SU,2022-03-01,2022-03-04,true,true,false,,true,true"
CELLS = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        ["", " ", "\x00", "=1+1", "19121212-1212", "9,300", "1e10000000", '"', '""x', "\r", "\n"]
    ),
    st.sampled_from(["1900-01-01", "0001-01-01", "2999-12-31", "2022-02-30", "ja", "nej", "1480", "180"]),
)
SEPARATORS = st.sampled_from([",", ";", "\t"])


def _reads_or_refuses(path: Path) -> None:
    for read in (read_episodes, read_visits, read_tariffs):
        try:
            read(path)
        except InputError as exc:
            message = str(exc)  # a message for a person, naming the file
            assert str(path) in message


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from([".csv", ".parquet", ".txt"]))
def test_arbitrary_bytes_are_read_or_refused_with_a_message(data: bytes, suffix: str) -> None:
    path = _FOLDER / f"bytes{suffix}"
    path.write_bytes(data)
    _reads_or_refuses(path)


@FUZZ
@given(st.lists(st.lists(CELLS, min_size=0, max_size=16), max_size=6), SEPARATORS, st.booleans())
def test_episode_files_with_arbitrary_cells_are_read_or_refused(
    rows: list[list[str]], separator: str, bom: bool
) -> None:
    """Structured: the real header, then rows of arbitrary cells and lengths (ragged, quoted,
    NUL, personnummer, formulas, impossible dates)."""
    lines = [HEADER.replace(",", separator), GOOD.replace(",", separator)]
    lines += [separator.join(cells) for cells in rows]
    path = _FOLDER / "cells.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + "\n".join(lines).encode("utf-8", "surrogatepass"))
    try:
        episodes = read_episodes(path)
    except InputError as exc:
        assert "Traceback" not in str(exc)  # noqa: PT017 - refused is one of the two outcomes
        return
    # What was accepted is clean: no control character and no personnummer in any text.
    for column in ("episode_id", "person_id", "hospital"):
        values = episodes.get_column(column).drop_nulls().to_list()
        assert not any(ord(ch) < 32 for value in values for ch in value)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from([*HEADER.split(","), "extra"]),
        st.one_of(
            st.integers(-(2**62), 2**62), st.floats(allow_nan=True), st.booleans(), st.text(max_size=12)
        ),
        min_size=1,
    )
)
def test_parquet_with_arbitrary_types_is_read_or_refused(columns: dict[str, Any]) -> None:
    try:
        frame = pl.DataFrame({name: [value, value] for name, value in columns.items()}, strict=False)
    except Exception:  # a mixed column polars itself will not build: nothing to write
        return
    path = _FOLDER / "typed.parquet"
    frame.write_parquet(path)
    _reads_or_refuses(path)


@FUZZ
@given(st.binary(max_size=500), st.binary(max_size=500), st.binary(max_size=500))
def test_placement_files_are_read_or_refused(placements: bytes, costs: bytes, agreements: bytes) -> None:
    paths = []
    for name, data in (("p", placements), ("c", costs), ("a", agreements)):
        path = _FOLDER / f"{name}.csv"
        path.write_bytes(data)
        paths.append(path)
    try:
        read_placement_inputs(*paths)
    except InputError as exc:
        assert str(exc)  # noqa: PT017 - refused is one of the two outcomes


# -------------------------------------------------------------------------------- API bodies

app = create_app(str(_FOLDER / "api.sqlite"))
_KEY, TOKEN = create_key(app.state.database, "admin")
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# One event loop for every request: the app's body slots bind to the loop that first uses them.
_LOOP = asyncio.new_event_loop()
_CLIENT = httpx.AsyncClient(
    transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://fuzz"
)


def _request(path: str, **kwargs: Any) -> httpx.Response:
    return _LOOP.run_until_complete(_CLIENT.post(path, **kwargs))


JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
        st.sampled_from(["1e10000000", "Infinity", "sNaN", "\u0000", "19121212-1212", "0001-01-01", "9,300"]),
    ),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)

BODIES: dict[str, dict[str, Any]] = {
    "/v1/betalningsansvar/calculate": {"month": MONTH, "episodes": EPISODES[:5]},
    "/v1/placements/calculate": PLACEMENTS_BODY,
    "/v1/home-care/calculate": {"visits": VISITS[:5]},
    "/v1/billing-runs": {"month": MONTH, "episodes": EPISODES[:5]},
    "/v1/scenarios/compare": {
        "base": "vgr-2018",
        "episodes": EPISODES[:5],
        "scenarios": [{"name": "x", "betalningsansvar": {"average_threshold_days": "2.5"}}],
    },
    "/v1/scenarios/sweep": {
        "base": "vgr-2018",
        "episodes": EPISODES[:5],
        "parameters": [{"name": "free_days", "values": [2, 3]}],
    },
    "/v1/scenarios/datasets": {"billing_run_id": 1},
}


def _stored() -> tuple[int, int]:
    with app.state.database.read() as connection:
        runs = connection.execute(sa.select(sa.func.count()).select_from(billing_run)).scalar_one()
        datasets = connection.execute(sa.select(sa.func.count()).select_from(scenario_dataset)).scalar_one()
    return int(runs), int(datasets)


def _post(path: str, content: bytes) -> None:
    before = _stored()
    response = _request(path, content=content, headers={**AUTH, "content-type": "application/json"})
    assert response.status_code < 500, (path, content[:300], response.text[:500])
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert _stored() == before  # a refused request stores nothing


def _replace(body: Any, path: list[str | int], value: Any) -> Any:
    if not path:
        return value
    key, rest = path[0], path[1:]
    if isinstance(body, dict) and isinstance(key, str):
        return {**body, key: _replace(body.get(key), rest, value)}
    if isinstance(body, list) and isinstance(key, int) and body:
        index = key % len(body)
        return [*body[:index], _replace(body[index], rest, value), *body[index + 1 :]]
    return value


def _paths(body: Any, prefix: list[str | int] | None = None) -> list[list[str | int]]:
    prefix = prefix or []
    found = [prefix]
    if isinstance(body, dict):
        for key, value in body.items():
            found += _paths(value, [*prefix, key])
    elif isinstance(body, list) and body:
        found += _paths(body[0], [*prefix, 0])
    return found


@FUZZ
@given(st.sampled_from(list(BODIES)), st.data(), JSON)
def test_any_value_anywhere_in_a_body_is_a_4xx_never_a_5xx(
    path: str, data: st.DataObject, value: Any
) -> None:
    body = BODIES[path]
    where = data.draw(st.sampled_from(_paths(body)))
    _post(path, json.dumps(_replace(body, where, value)).encode())


@FUZZ
@given(st.sampled_from(list(BODIES)), st.binary(max_size=300))
def test_any_bytes_as_a_body_are_a_4xx_never_a_5xx(path: str, data: bytes) -> None:
    _post(path, data)


@FUZZ
@given(st.sampled_from(["/v1/billing-runs", "/v1/scenarios/datasets"]), st.binary(max_size=400), CELLS)
def test_any_uploaded_file_is_a_4xx_never_a_5xx(path: str, data: bytes, field: str) -> None:
    before = _stored()
    files = {"episodes": ("episodes.csv", io.BytesIO(data), "text/csv")}
    form = {"month": MONTH, "name": field} if path.endswith("datasets") else {"month": field or MONTH}
    response = _request(path, files=files, data=form, headers=AUTH)
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400:
        assert _stored() == before
