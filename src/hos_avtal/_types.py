"""Type aliases used across the package, kept in one place."""

from __future__ import annotations

import datetime as _dt
from typing import TypeAlias

Ore: TypeAlias = int
"""An amount of money in whole öre (1 kr = 100 öre). Never a binary float."""

KommunCode: TypeAlias = str
"""A four-character SCB municipality code, e.g. ``"1480"`` (Göteborg) or ``"0180"``."""

Month: TypeAlias = _dt.date
"""A calendar month, represented by its first day."""

RuleSetRef: TypeAlias = str
"""A shipped rule-set id (``"vgr-2023"``) or the path of a rule-set file."""
