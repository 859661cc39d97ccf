"""Type aliases used across the package, kept in one place."""

from __future__ import annotations

import datetime as _dt
from typing import Literal, NewType, TypeAlias, get_args

Ore = NewType("Ore", int)
"""An amount of money in whole öre (1 kr = 100 öre). Never a binary float. A type of its own, so
mypy tells an amount from a count of days or episodes: ``Ore(930000)`` makes one."""

KommunCode = NewType("KommunCode", str)
"""A four-character SCB municipality code, e.g. ``"1480"`` (Göteborg) or ``"0180"``; a type of its
own, so mypy tells it from any other text (``KommunCode("1480")``)."""

Month: TypeAlias = _dt.date
"""A calendar month, represented by its first day."""

RuleSetRef: TypeAlias = str
"""A shipped rule-set id (``"vgr-2023"``) or the path of a rule-set file."""

CareType = Literal["somatik", "psykiatri"]
"""Somatic or psychiatric inpatient care: the two care types an episode has."""

CARE_TYPES: tuple[CareType, ...] = get_args(CareType)
"""The care types in their fixed order (the engine's axis, the reports' columns)."""
