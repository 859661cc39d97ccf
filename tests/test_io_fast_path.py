"""The fast path that proves a typed episode file clean: every shortcut answers as the full check.

``_proven_clean`` either returns the typed frame or sends the input to the cell-by-cell path,
which words every problem. Its shortcuts (the personnummer shape before the check digit, a
lenient cast for the codes, sorted hashes for uniqueness) must send exactly the inputs the plain
checks would send.
"""

from __future__ import annotations

import itertools

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import episode, frame
from hos_avtal.errors import InputError
from hos_avtal.io import Table, validate_episodes
from hos_avtal.io._episodes import _hash_clash, _proven_clean
from hos_avtal.privacy import SEPARATORS, contains_personnummer, has_shape

ID_CHARACTERS = "0123456789" + SEPARATORS + "PEpe_:/\t\x00é٠१０"


def shaped(ids: list[str]) -> list[bool]:
    return pl.select(has_shape(pl.lit(pl.Series(ids, dtype=pl.String)))).to_series().to_list()


def is_personnummer(text: str) -> bool:
    return bool(pl.select(contains_personnummer(pl.lit(text))).item())


def proven(*rows: dict[str, object]) -> bool:
    return _proven_clean(Table(frame(*rows), "test", first_row=1)) is not None


def rows_with(person_id: str, episode_id: str = "e2", hospital: str = "SU") -> list[dict[str, object]]:
    return [episode("e1", 4), {**episode(episode_id, 2), "person_id": person_id, "hospital": hospital}]


SPELLINGS = [
    "19121212-1212", "191212121212", "121212-1212", "1212121212", "121212+1212", "19121212 1212",
    "19121212\u20131212", "PNR19121212-1212", "pnr: 121212-1212", "avd 4 19121212-1212",
    "19121212-1213", "1912121212125", "E2203000-000000", "P-000123",
]  # fmt: skip


@pytest.mark.parametrize("text", SPELLINGS)
def test_the_fast_path_sends_every_shaped_id_to_the_row_level_check(text: str) -> None:
    for rows in (rows_with(text), rows_with("p1", episode_id=text), rows_with("p1", hospital=text)):
        assert proven(*rows) is not shaped([text])[0], text
    if is_personnummer(text):
        with pytest.raises(InputError, match="innehåller ett personnummer") as error:
            validate_episodes(frame(*rows_with("p1", hospital=text)))
        assert text not in str(error.value)
    else:
        assert validate_episodes(frame(*rows_with(text)))["person_id"].to_list() == ["p-e1", text]


@given(st.text(alphabet=ID_CHARACTERS, min_size=1, max_size=16))
def test_the_fast_path_and_the_full_check_agree_on_any_id(text: str) -> None:
    untidy = text != text.strip() or any(ord(c) < 32 or ord(c) == 127 for c in text)
    assert proven(*rows_with(text)) is not (shaped([text])[0] or untidy)
    if not shaped([text])[0]:
        assert not is_personnummer(text), text


@pytest.mark.parametrize(
    "change",
    [
        {"kommun": "9999"},
        {"kommun": "1480 "},
        {"kommun": None},
        {"care_type": "Somatik"},
        {"care_type": "geriatrik"},
        {"care_type": None},
    ],
)
def test_an_unknown_or_missing_code_leaves_the_fast_path(change: dict[str, object]) -> None:
    assert not proven(episode("e1", 4), {**episode("e2", 2), **change})


def test_every_swedish_kommun_code_and_care_type_stays_on_the_fast_path() -> None:
    from hos_avtal.municipalities import all_municipalities

    rows = [
        episode(f"e{i}", 2, kommun=m.code, care_type=care_type)
        for i, (m, care_type) in enumerate(itertools.product(all_municipalities(), ("somatik", "psykiatri")))
    ]
    assert proven(*rows)


@given(st.lists(st.text(alphabet="ab", max_size=3), max_size=30))
def test_a_hash_clash_is_reported_exactly_when_the_hashes_are_not_distinct(ids: list[str]) -> None:
    series = pl.Series(ids, dtype=pl.String)
    assert _hash_clash(series) == (series.hash().n_unique() != series.len())
    if len(set(ids)) < len(ids):
        assert _hash_clash(series)


def test_duplicate_ids_leave_the_fast_path() -> None:
    assert not proven(episode("e1", 4), episode("e1", 2))
    assert proven(episode("e1", 4), episode("e2", 2))
