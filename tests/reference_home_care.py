"""A plain-Python reference of home care in another municipality with netting (docs/rules.md §6).

Written to be read next to docs/rules.md, not to be fast: one loop over the visits, integer öre, no
polars. The property tests hold the vectorised engine to it::

    from reference_home_care import reference_home_care, settle_reference

The decided readings it implements:

* A visit belongs to the month of its ``date``; the tariff is the host's (the vistelsekommun's)
  for the visit's calendar year and service: the host's own tariff, else VästKom's
  recommendation (docs/rules.md §2 table, copied here on purpose rather than read from the rule files).
  A (host, year, service) with neither is an error listing all of them.
* A visit whose home is not one of the 49 is counted per home kommun and never invoiced.
* One line per (month, host, home, service): minutes summed, amount
  ``round_half_up(minutes × tariff_öre / 60)`` once per line.
* Per month and party: invoiced (as host), owed (as home), net = invoiced − owed.
* Payments: the largest debtor (by amount, then code) pays the largest creditor the smaller of
  the two, until nothing is left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

VASTKOM_ORE: dict[tuple[int, str], int] = {
    (2019, "hemtjanst"): 41200,
    (2019, "hemsjukvard"): 66900,
    (2022, "hemtjanst"): 44100,
    (2022, "hemsjukvard"): 74400,
    (2024, "hemsjukvard"): 82800,
}
"""docs/rules.md §2: VästKom's recommendations in öre per hour (no hemtjänst recommendation for 2024)."""


class MissingTariffsError(Exception):
    """The (host, year, service) combinations that have no tariff."""

    def __init__(self, missing: set[tuple[str, int, str]]) -> None:
        self.missing = missing
        super().__init__(sorted(missing))


def round_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


@dataclass
class ReferenceMonth:
    lines: dict[tuple[str, str, str], dict[str, int]] = field(default_factory=dict)
    """(host, home, service) → visits, minutes, tariff_ore, amount_ore."""
    positions: dict[str, dict[str, int]] = field(default_factory=dict)
    """Every party → invoiced_ore, owed_ore, net_ore."""
    payments: list[tuple[str, str, int]] = field(default_factory=list)
    outside: dict[str, dict[str, int]] = field(default_factory=dict)
    """Non-party home kommun → visits, minutes."""


def tariff(host: str, year: int, service: str, own: Mapping[tuple[str, int, str], int]) -> int | None:
    if (host, year, service) in own:
        return own[(host, year, service)]
    return VASTKOM_ORE.get((year, service))


def settle_reference(positions: Mapping[str, int]) -> list[tuple[str, str, int]]:
    """Greedy settlement, written independently of the package's ``settle``."""
    remaining = dict(positions)
    payments = []
    while any(v != 0 for v in remaining.values()):
        debtor = sorted((k for k, v in remaining.items() if v < 0), key=lambda k: (remaining[k], k))[0]
        creditor = sorted((k for k, v in remaining.items() if v > 0), key=lambda k: (-remaining[k], k))[0]
        amount = min(-remaining[debtor], remaining[creditor])
        payments.append((debtor, creditor, amount))
        remaining[debtor] += amount
        remaining[creditor] -= amount
    return payments


def reference_home_care(
    visits: Iterable[Mapping[str, Any]],
    parties: Iterable[str],
    own: Mapping[tuple[str, int, str], int] | None = None,
    months: Iterable[dt.date] | None = None,
) -> dict[dt.date, ReferenceMonth]:
    """Month → :class:`ReferenceMonth` for every month with a visit (or the given ``months``)."""
    own = own or {}
    party_set = set(parties)
    visits = list(visits)
    wanted = set(months) if months is not None else {v["date"].replace(day=1) for v in visits}
    result = {m: ReferenceMonth() for m in sorted(wanted)}
    missing: set[tuple[str, int, str]] = set()
    for visit in visits:
        month = visit["date"].replace(day=1)
        if month not in result:
            continue
        out = result[month]
        home, host, service, minutes = (
            visit["home_kommun"], visit["host_kommun"], visit["service"], visit["minutes"],
        )  # fmt: skip
        if home not in party_set:
            counts = out.outside.setdefault(home, {"visits": 0, "minutes": 0})
            counts["visits"] += 1
            counts["minutes"] += minutes
            continue
        rate = tariff(host, visit["date"].year, service, own)
        if rate is None:
            missing.add((host, visit["date"].year, service))
            continue
        line = out.lines.setdefault(
            (host, home, service), {"visits": 0, "minutes": 0, "tariff_ore": rate, "amount_ore": 0}
        )
        line["visits"] += 1
        line["minutes"] += minutes
    if missing:
        raise MissingTariffsError(missing)
    for out in result.values():
        out.positions = {k: {"invoiced_ore": 0, "owed_ore": 0, "net_ore": 0} for k in sorted(party_set)}
        for (host, home, _), line in out.lines.items():
            line["amount_ore"] = round_half_up(line["minutes"] * line["tariff_ore"], 60)
            out.positions[host]["invoiced_ore"] += line["amount_ore"]
            out.positions[home]["owed_ore"] += line["amount_ore"]
        for position in out.positions.values():
            position["net_ore"] = position["invoiced_ore"] - position["owed_ore"]
        out.payments = settle_reference({k: p["net_ore"] for k, p in out.positions.items()})
    return result
