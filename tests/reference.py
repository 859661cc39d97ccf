"""A plain-Python reference implementation of kommunens betalningsansvar (docs/rules.md §4).

Written to be read next to docs/rules.md, not to be fast: one loop over the episodes, exact integer
and :class:`~fractions.Fraction` arithmetic, no polars or numpy. The property tests hold the
vectorised engine to it, and the benchmarks time it as a baseline::

    from reference import reference_betalningsansvar

The decided readings it implements (docs/rules.md §4, "Readings"):

* An episode belongs to the month of its ``discharge_date``; ``days = discharge − ready``.
* Status, first match wins: kommun not a party → ``outside_agreement``; a required condition not
  met → ``not_covered``; ``days > individual_after_days`` (or no pooled average at all) →
  ``individual``; else ``pooled``. The switch day, the free days and whether there is a pooled
  average are the episode's care type's own (``params.for_care_type``).
* Individual: billable days ``max(0, days − free_days)`` (less what was already billed in
  earlier months when accruing), amount ``billable × daily amount``.
* Pooled, per kommun (and per care type with separate averages): ``N`` episodes, ``D`` days,
  threshold ``t``; liable iff ``D > t·N``; amount ``(D − t·N) × daily`` rounded half up to öre.
* Pending at month M: ready by the end of M and not discharged by the end of M.
* Accrual (``accrue_while_admitted``): an individual episode still admitted at the end of M is
  billed for the days through the end of M not billed before; it is then not pending.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from hos_avtal.rules import BetalningsansvarParameters

REASONS: dict[str, str] = {
    "admission_notice": "no_admission_notice",
    "ready_notice": "no_ready_notice",
    "sip_invited": "sip_not_invited",
    "outpatient_plan": "no_outpatient_plan",
    "outpatient_available": "outpatient_unavailable",
}
"""Each condition (as named in ``params.conditions``) and its reason code, in report order."""

MUNICIPALITY_KEYS = (
    "average_episodes",
    "average_days",
    "liable",
    "average_amount_ore",
    "individual_episodes",
    "individual_billable_days",
    "individual_amount_ore",
    "total_amount_ore",
    "not_covered_episodes",
    "pending_episodes",
)


@dataclass
class ReferenceMonth:
    """One month's result.

    ``municipalities``: every party code → a dict with the keys of :data:`MUNICIPALITY_KEYS`
    (money in integer öre). ``lines``: episode_id → ``status``, ``days``, ``billable_days``,
    ``amount_ore`` and ``reasons`` for every episode discharged in the month, every episode
    still admitted at its end (``pending``, or ``individual`` while accruing). ``days`` is
    ``None`` on pending lines; ``billable_days`` and ``amount_ore`` are ``None`` except on
    individual lines; ``reasons`` is the tuple of failed conditions' reason codes on
    not-covered lines and ``()`` elsewhere.
    """

    month: dt.date
    municipalities: dict[str, dict[str, Any]] = field(default_factory=dict)
    lines: dict[str, dict[str, Any]] = field(default_factory=dict)


def round_half_up(value: Fraction) -> int:
    """A non-negative fraction rounded half up to an integer: ``(2n + d) // 2d``."""
    assert value >= 0
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def last_day(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def failed_conditions(episode: dict[str, Any], required: tuple[str, ...]) -> tuple[str, ...]:
    """The reason codes of the required conditions the episode does not meet."""
    failed = []
    for condition, reason in REASONS.items():
        if condition not in required:
            continue
        if condition == "sip_invited":
            met = not episode["sip_needed"] or episode["sip_invited"] is True
        else:
            met = episode[condition] is True
        if not met:
            failed.append(reason)
    return tuple(failed)


def reference_betalningsansvar(
    episodes: list[dict[str, Any]],
    month: dt.date,
    params: BetalningsansvarParameters,
    party_codes: AbstractSet[str],
) -> ReferenceMonth:
    """Kommunens betalningsansvar of ``month`` (any day of it) for every party in ``party_codes``."""
    month = month.replace(day=1)
    end = last_day(month)
    previous_end = month - dt.timedelta(days=1)
    threshold = Fraction(params.average_threshold_days)  # exact: Decimal("3.25") → 13/4
    daily = params.daily_amount_ore
    accrue = params.accrue_while_admitted
    required = tuple(params.conditions)

    def switch_and_free(care_type: str) -> tuple[int, int]:
        """The care type's switch day and free days (an agreement may set them per care type);
        without a pooled average (the statute) every covered episode is individual."""
        own = params.for_care_type(care_type)
        return (own.individual_after_days if own.pooled_average else -1), own.free_days

    def billed_through(day: dt.date, ready: dt.date, care_type: str) -> int:
        """With accrual: billable days billed for the stay up to and including ``day``."""
        after, free = switch_and_free(care_type)
        through = (day - ready).days
        return max(0, through - free) if through > after else 0

    result = ReferenceMonth(month=month)
    rows = {
        code: {key: (False if key == "liable" else 0) for key in MUNICIPALITY_KEYS}
        for code in sorted(party_codes)
    }
    pools: dict[tuple[str, str], list[int]] = {}  # (kommun, pool) → [N, D]

    for episode in episodes:
        episode_id = episode["episode_id"]
        kommun = episode["kommun"]
        ready = episode["ready_date"]
        discharge = episode["discharge_date"]
        in_agreement = kommun in rows
        row = rows.get(kommun, {})  # outside the agreement: nothing is counted

        discharged_in_month = discharge is not None and month <= discharge <= end
        admitted_at_end = ready <= end and (discharge is None or discharge > end)
        care_type = episode["care_type"]
        after, free = switch_and_free(care_type)

        if discharged_in_month:
            days = (discharge - ready).days
            reasons = failed_conditions(episode, required)
            line = {"days": days, "billable_days": None, "amount_ore": None, "reasons": ()}
            if not in_agreement:
                line["status"] = "outside_agreement"
            elif reasons:
                line["status"] = "not_covered"
                line["reasons"] = reasons
                row["not_covered_episodes"] += 1
            elif days > after:
                billable = max(0, days - free)
                if accrue:
                    billable -= billed_through(previous_end, ready, care_type)
                line["status"] = "individual"
                line["billable_days"] = billable
                line["amount_ore"] = billable * daily
                row["individual_episodes"] += 1
                row["individual_billable_days"] += billable
                row["individual_amount_ore"] += billable * daily
            else:
                line["status"] = "pooled"
                pool = episode["care_type"] if params.separate_care_type_averages else "alla"
                counts = pools.setdefault((kommun, pool), [0, 0])
                counts[0] += 1
                counts[1] += days
            result.lines[episode_id] = line

        elif admitted_at_end:
            through = (end - ready).days
            if accrue and in_agreement and through > after and not failed_conditions(episode, required):
                billable = billed_through(end, ready, care_type) - billed_through(
                    previous_end, ready, care_type
                )
                result.lines[episode_id] = {
                    "status": "individual",
                    "days": through,
                    "billable_days": billable,
                    "amount_ore": billable * daily,
                    "reasons": (),
                }
                row["individual_episodes"] += 1
                row["individual_billable_days"] += billable
                row["individual_amount_ore"] += billable * daily
            else:
                result.lines[episode_id] = {
                    "status": "pending",
                    "days": None,
                    "billable_days": None,
                    "amount_ore": None,
                    "reasons": (),
                }
                if in_agreement:
                    row["pending_episodes"] += 1

    for (kommun, _pool), (n, d) in pools.items():
        row = rows[kommun]
        row["average_episodes"] += n
        row["average_days"] += d
        excess = d - threshold * n  # liable days, exact
        if excess > 0:
            row["liable"] = True
            row["average_amount_ore"] += round_half_up(excess * daily)

    for row in rows.values():
        row["total_amount_ore"] = row["average_amount_ore"] + row["individual_amount_ore"]
    result.municipalities = rows
    return result
