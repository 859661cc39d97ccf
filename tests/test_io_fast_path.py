"""The fast path that proves a typed episode file clean: every shortcut answers as the full check.

``_proven_clean`` either returns the typed frame or sends the input to the cell-by-cell path,
which words every problem. Its shortcuts (a byte test before the personnummer regex, a lenient
cast for the codes, sorted hashes for uniqueness) must send exactly the inputs the plain
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
from hos_avtal.io import validate_episodes
from hos_avtal.io._episodes import _hash_clash, _may_be_personnummer, _proven_clean
from hos_avtal.io._privacy import PERSONNUMMER_PATTERN, looks_like_personnummer
from hos_avtal.io._table import Table

# Digits of other scripts match the Unicode \d: Arabic-Indic, Devanagari, fullwidth, and the
# 4-byte mathematical digits.
OTHER_DIGITS = "٠١٢٣٤٥٦٧٨٩०१२३४५६७८९０１２３４５６７８９𝟎𝟏𝟗"
ID_CHARACTERS = "0123456789" + OTHER_DIGITS + "-+ PEpe_:/\t\u00a0\u3000é"


def matches_pattern(ids: list[str]) -> list[bool]:
    return pl.select(pl.Series(ids, dtype=pl.String).str.contains(PERSONNUMMER_PATTERN)).to_series().to_list()


def may_be(ids: list[str]) -> list[bool]:
    return pl.select(_may_be_personnummer(pl.lit(pl.Series(ids, dtype=pl.String)))).to_series().to_list()


def numbers(length: int) -> list[str]:
    """Ids of ``length`` characters shaped like personnummer, with and without a separator."""
    base = "191212121212"  # a valid check digit as 12 or (from its 3rd digit) 10 digits
    wrong = "191212121213"
    ids = []
    for digits in (base, wrong, "000000000000", "123456789012"):
        for separator in ("", "-", "+", "/"):
            cut = length - len(separator)
            if cut <= 0:
                continue
            text = digits[-cut:] if cut <= len(digits) else digits.rjust(cut, "9")
            ids.append(text[:-4] + separator + text[-4:] if len(text) > 4 else separator + text)
    return ids


@pytest.mark.parametrize("length", range(9, 15))
def test_the_byte_test_passes_every_id_of_9_to_14_characters_that_the_pattern_matches(length: int) -> None:
    ids = numbers(length) + ["P" + i[1:] for i in numbers(length)] + [" " + i for i in numbers(length)]
    for text, matched, possible in zip(ids, matches_pattern(ids), may_be(ids), strict=True):
        assert possible or not matched, text


@given(st.lists(st.text(alphabet=ID_CHARACTERS, max_size=16), max_size=40))
def test_the_byte_test_never_rules_out_a_pattern_match(ids: list[str]) -> None:
    for text, matched, possible in zip(ids, matches_pattern(ids), may_be(ids), strict=True):
        assert possible or not matched, text


@given(st.lists(st.text(max_size=14), max_size=40))
def test_the_byte_test_never_rules_out_a_pattern_match_in_any_text(ids: list[str]) -> None:
    for text, matched, possible in zip(ids, matches_pattern(ids), may_be(ids), strict=True):
        assert possible or not matched, text


def test_unicode_digits_match_the_pattern_and_pass_the_byte_test() -> None:
    ids = ["١٢١٢١٢١٢١٢", "𝟏𝟗𝟏𝟐𝟏𝟐𝟏𝟐-𝟏𝟐𝟏𝟐", "1912121２1212"]
    assert matches_pattern(ids) == [True, True, True]
    assert may_be(ids) == [True, True, True]


def test_the_pseudonymous_ids_of_system_exports_are_ruled_out_without_the_regex() -> None:
    assert may_be(["E2004000-000000", "P2004-031219", "e1", "p-e1", "123456789"]) == [False] * 5


def proven(*rows: dict[str, object]) -> bool:
    return _proven_clean(Table(frame(*rows), "test", first_row=1)) is not None


def rows_with(person_id: str, episode_id: str = "e2") -> list[dict[str, object]]:
    return [episode("e1", 4), {**episode(episode_id, 2), "person_id": person_id}]


@pytest.mark.parametrize("length", range(9, 15))
def test_the_fast_path_sends_exactly_the_pattern_matches_to_the_row_level_check(length: int) -> None:
    for text, matched in zip(numbers(length), matches_pattern(numbers(length)), strict=True):
        assert proven(*rows_with(text)) is not matched, text
        assert proven(*rows_with("p1", episode_id=text)) is not matched, text
        is_personnummer = pl.select(looks_like_personnummer(pl.lit(text))).item()
        if is_personnummer:
            with pytest.raises(InputError, match="looks like a personnummer") as error:
                validate_episodes(frame(*rows_with(text)))
            assert text not in str(error.value)
        else:
            assert validate_episodes(frame(*rows_with(text)))["person_id"].to_list() == ["p-e1", text]


@given(st.text(alphabet=ID_CHARACTERS, min_size=1, max_size=16))
def test_the_fast_path_and_the_pattern_agree_on_any_id(text: str) -> None:
    matched = matches_pattern([text])[0]
    untidy = text != text.strip()
    assert proven(*rows_with(text)) is not (matched or untidy)


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
