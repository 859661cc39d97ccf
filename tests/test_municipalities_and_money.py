"""The parties to the agreement, and exact money."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from hos_avtal.money import divide_round_half_up, format_sek, format_sek_sv, ore_to_decimal, sek_to_ore
from hos_avtal.municipalities import is_kommun_code, lookup, parties


def test_the_49_parties_and_their_kommunalforbund() -> None:
    assert len(parties()) == 49
    assert Counter(m.kommunalforbund for m in parties()) == {
        "Göteborgsregionen": 12,
        "Fyrbodal": 14,
        "Skaraborg": 15,
        "Boråsregionen Sjuhärad": 8,
    }
    assert all("1401" <= m.code <= "1499" for m in parties())


def test_kungsbacka_is_in_goteborgsregionen_but_not_a_party() -> None:
    kungsbacka = lookup("1384")
    assert kungsbacka.kommunalforbund == "Göteborgsregionen"
    assert not kungsbacka.is_party


@pytest.mark.parametrize(("code", "valid"), [("0180", True), ("1480", True), ("180", False), ("9999", False)])
def test_kommun_codes_are_four_character_strings(code: str, valid: bool) -> None:
    assert is_kommun_code(code) is valid


@pytest.mark.parametrize(
    ("sek", "ore"), [("9300", 930_000), ("9300.5", 930_050), (Decimal("0.01"), 1), (7800, 780_000)]
)
def test_kronor_to_ore_is_exact(sek: str | Decimal | int, ore: int) -> None:
    assert sek_to_ore(sek) == ore


@pytest.mark.parametrize("bad", ["9300.001", "abc", "NaN", "Infinity"])
def test_fractions_of_an_ore_and_non_numbers_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"öre|inget belopp"):
        sek_to_ore(bad)


def test_formats() -> None:
    assert format_sek(930_000) == "9300.00"
    assert format_sek(-5) == "-0.05"
    assert format_sek_sv(2_278_500_00) == "2\u00a0278\u00a0500,00"
    assert ore_to_decimal(33_333_33) == Decimal("33333.33")


@pytest.mark.parametrize(
    ("n", "d", "q"), [(1, 2, 1), (3, 2, 2), (1, 3, 0), (2, 3, 1), (5, 10, 1), (4, 10, 0)]
)
def test_round_half_up(n: int, d: int, q: int) -> None:
    assert divide_round_half_up(n, d) == q
