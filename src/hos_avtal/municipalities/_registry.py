"""Loads the bundled municipality lists (copied from SCB's code list; see data/)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

import polars as pl

from hos_avtal._types import KommunCode

KOMMUNALFORBUND = ("Göteborgsregionen", "Fyrbodal", "Skaraborg", "Boråsregionen Sjuhärad")


@dataclass(frozen=True, slots=True)
class Municipality:
    code: KommunCode
    name: str
    lan: str
    kommunalforbund: str | None
    is_party: bool
    """True for the 49 municipalities of Västra Götaland that are parties to the agreement."""


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("hos_avtal.municipalities").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def _registry() -> dict[KommunCode, Municipality]:
    vg = {row["kommunkod"]: row for row in _read("kommuner_vastra_gotaland.csv")}
    registry: dict[KommunCode, Municipality] = {}
    for row in _read("kommuner_sverige.csv"):
        code = KommunCode(row["kommunkod"])
        local = vg.get(code)
        registry[code] = Municipality(
            code=code,
            name=row["kommun"],
            lan=row["lan"],
            # Kungsbacka belongs to Göteborgsregionen but lies in Halland: not a party.
            kommunalforbund=local["kommunalforbund"] if local is not None else None,
            is_party=local is not None and local["in_vgr_agreement"] == "true",
        )
    return registry


def all_municipalities() -> list[Municipality]:
    """All 290 Swedish municipalities, sorted by code."""
    return sorted(_registry().values(), key=lambda m: m.code)


@cache
def parties() -> tuple[Municipality, ...]:
    """The 49 parties to the agreement, sorted by code."""
    return tuple(m for m in all_municipalities() if m.is_party)


def is_party(code: str) -> bool:
    """True for the code of one of the 49 parties (``"1480"``), False for any other text.

    >>> is_party("1480"), is_party("0180"), is_party("9999")
    (True, False, False)
    """
    return code in _party_codes()


@cache
def _party_codes() -> frozenset[str]:
    return frozenset(m.code for m in parties())


def is_kommun_code(code: str) -> bool:
    """True for any valid Swedish kommun code (``"0180"``), not only the 49."""
    return code in _registry()


def lookup(code: str) -> Municipality:
    """The municipality with this code; ``KeyError`` for a code that does not exist."""
    return _registry()[KommunCode(code)]


@cache
def parties_frame() -> pl.DataFrame:
    """The 49 parties as a frame: ``kommun``, ``name``, ``kommunalforbund``.

    Built once per process: polars frames are immutable, so every caller can share it.
    """
    ps = parties()
    return pl.DataFrame(
        {
            "kommun": [m.code for m in ps],
            "name": [m.name for m in ps],
            "kommunalforbund": [m.kommunalforbund for m in ps],
        }
    )


@cache
def all_codes_frame() -> pl.DataFrame:
    """Every Swedish municipality: ``kommun``, ``name``, ``lan``, ``is_party``."""
    ms = all_municipalities()
    return pl.DataFrame(
        {
            "kommun": [m.code for m in ms],
            "name": [m.name for m in ms],
            "lan": [m.lan for m in ms],
            "is_party": [m.is_party for m in ms],
        }
    )
