"""A plain-Python reference for the placement cost split (docs/rules.md §5), day by day.

Written to be read next to docs/rules.md and its decided readings, not to be fast: for every cost row
it walks the month's days of the placement, finds the agreement that applies on each day (among
those decided by ``as_of``, the latest ``decided_date``, then the latest ``valid_from``), adds that
day's region part as an exact :class:`~fractions.Fraction` and rounds once, half up, to öre.

* A day's part of the cost is ``cost / D`` (D: the month's days inside the placement's period).
* schablon: ``share · part``; percent: ``percent/100 · part``; fixed f for the region:
  ``min(f, cost) / D``; fixed for the kommun: ``part − min(f, cost) / D``; no agreement: the
  placing party pays the part.
* Flags: ``agreement_overdue`` (a day without agreement, acute, month end ≥ start + overdue days),
  ``agreement_missing`` (a day without agreement, not acute), ``fixed_capped`` (a fixed amount
  above the cost applied on some day).
* method: the one method of all days (``none`` for days without agreement), else ``mixed``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Placement:
    placement_id: str
    kommun: str
    placed_by: str
    start_date: dt.date
    end_date: dt.date | None
    acute: bool


@dataclass(frozen=True)
class Agreement:
    placement_id: str
    valid_from: dt.date
    valid_to: dt.date | None
    method: str
    decided_date: dt.date
    region_percent: Fraction | None = None
    fixed_party: str | None = None
    fixed_ore: int | None = None


@dataclass(frozen=True)
class Line:
    placement_id: str
    kommun: str
    month: dt.date
    cost_ore: int
    region_ore: int
    kommun_ore: int
    method: str
    flags: tuple[str, ...]


def round_half_up(value: Fraction) -> int:
    return int((2 * value.numerator + value.denominator) // (2 * value.denominator))


def month_days(month: dt.date) -> list[dt.date]:
    last = calendar.monthrange(month.year, month.month)[1]
    return [month.replace(day=d) for d in range(1, last + 1)]


def applicable(agreements: list[Agreement], day: dt.date) -> Agreement | None:
    covering = [a for a in agreements if a.valid_from <= day and (a.valid_to is None or day <= a.valid_to)]
    if not covering:
        return None
    return max(covering, key=lambda a: (a.decided_date, a.valid_from))


def split_line(
    placement: Placement,
    month: dt.date,
    cost_ore: int,
    agreements: list[Agreement],
    share: Fraction,
    overdue_days: int,
) -> Line:
    days = [
        d
        for d in month_days(month)
        if placement.start_date <= d and (placement.end_date is None or d <= placement.end_date)
    ]
    part = Fraction(cost_ore, len(days))
    region = Fraction(0)
    methods: set[str] = set()
    uncovered = capped = False
    for _day in days:
        agreement = applicable(agreements, _day)
        if agreement is None:
            methods.add("none")
            uncovered = True
            region += part if placement.placed_by == "region" else 0
            continue
        methods.add(agreement.method)
        if agreement.method == "schablon":
            region += share * part
        elif agreement.method == "percent":
            assert agreement.region_percent is not None
            region += agreement.region_percent / 100 * part
        else:
            assert agreement.fixed_ore is not None
            capped |= agreement.fixed_ore > cost_ore
            fixed_day = Fraction(min(agreement.fixed_ore, cost_ore), len(days))
            region += fixed_day if agreement.fixed_party == "region" else part - fixed_day
    region_ore = round_half_up(region)
    month_end = month_days(month)[-1]
    flags = []
    if uncovered and placement.acute and month_end >= placement.start_date + dt.timedelta(days=overdue_days):
        flags.append("agreement_overdue")
    if uncovered and not placement.acute:
        flags.append("agreement_missing")
    if capped:
        flags.append("fixed_capped")
    return Line(
        placement.placement_id,
        placement.kommun,
        month,
        cost_ore,
        region_ore,
        cost_ore - region_ore,
        methods.pop() if len(methods) == 1 else "mixed",
        tuple(flags),
    )


def reference_placements(
    placements: list[Placement],
    costs: list[tuple[str, dt.date, int]],
    agreements: list[Agreement],
    *,
    share: Fraction = Fraction(1, 3),
    overdue_days: int = 30,
    as_of: dt.date | None = None,
) -> list[Line]:
    """One line per cost row ``(placement_id, month, cost_ore)``, sorted by month and placement."""
    by_id = {p.placement_id: p for p in placements}
    decided = [a for a in agreements if as_of is None or a.decided_date <= as_of]
    lines = [
        split_line(
            by_id[pid], month, cost, [a for a in decided if a.placement_id == pid], share, overdue_days
        )
        for pid, month, cost in costs
    ]
    return sorted(lines, key=lambda line: (line.month, line.placement_id))
