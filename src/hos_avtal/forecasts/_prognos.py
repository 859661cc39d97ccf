"""Läget i dag: the current month's betalningsansvar so far, and what each patient still waiting
costs if they stay one more day, computed by the billing engine's own classification.

For a date D in month M (the rule set and fastställt belopp of M):

* *discharged so far*: episodes discharged in M on or before D;
* *waiting*: episodes ready on or before D and not discharged by D, their days waited D − ready;
* *amount so far*: the month's amount if it ended on D with only the discharged episodes;
* *amount if discharged today*: the same with every waiting patient discharged on D;
* *pool margin*: for that pool, ``floor(threshold·N − D_days)`` days it still absorbs before it is
  liable (negative: liable by that many);
* *marginal cost* of a waiting patient: how much the municipality's amount if discharged today
  grows if that patient alone is discharged one day later.

One pass of the engine's classification over the month's discharges and the waiting patients
(as if discharged on D) gives every line; the rest is group sums per municipality (and care type,
with separate averages) and integer arithmetic on whole columns, never a loop over patients.

>>> import datetime as dt
>>> from hos_avtal.synth import month_range, synth_episodes
>>> episodes = synth_episodes(month_range("2022-03"), episodes_per_month=400, seed=1)
>>> today = prognos(episodes, dt.date(2022, 3, 20))
>>> today.municipalities.height, today.waiting.columns[:4]
(49, ['episode_id', 'kommun', 'care_type', 'ready_date'])
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from hos_avtal._types import RuleSetRef
from hos_avtal.betalningsansvar import EPISODE_STATUSES, REASONS, MonthRules, classify_episodes, params_frame
from hos_avtal.betalningsansvar import KOMMUN_CODES as _ALL_CODES
from hos_avtal.errors import InputError, Problem
from hos_avtal.io import read_episodes, validate_episodes
from hos_avtal.municipalities import parties_frame
from hos_avtal.rules import (
    CARE_TYPES,
    BetalningsansvarParameters,
    RuleSet,
    daily_amount_decimal,
    select_ruleset,
)

MUNICIPALITY_SCHEMA: dict[str, pl.DataType] = {
    "kommun": pl.String(),
    "discharged_episodes": pl.Int64(),
    "average_episodes_so_far": pl.Int64(),
    "average_days_so_far": pl.Int64(),
    "liable_so_far": pl.Boolean(),
    "amount_so_far_ore": pl.Int64(),
    "waiting_episodes": pl.Int64(),
    "amount_if_discharged_today_ore": pl.Int64(),
    "pool_margin_days": pl.Int64(),
}
WAITING_SCHEMA: dict[str, pl.DataType] = {
    "episode_id": pl.String(),
    "kommun": pl.String(),
    "care_type": pl.String(),
    "ready_date": pl.Date(),
    "days_waited": pl.Int64(),
    "status": pl.String(),
    "individual_from": pl.Date(),
    "marginal_cost_ore": pl.Int64(),
    "reasons": pl.List(pl.String()),
}


@dataclass(frozen=True)
class Prognos:
    """The month so far on ``date``: one row per party in ``municipalities`` (all 49, zeros
    included), one row per waiting patient in ``waiting`` (sorted by marginal cost, then days
    waited, most first), and waiting patients of municipalities outside the agreement apart."""

    date: dt.date
    rules: MonthRules
    municipalities: pl.DataFrame
    waiting: pl.DataFrame
    outside_agreement: pl.DataFrame
    """``kommun``, ``waiting_episodes``: out-of-county patients, reported and never billed."""

    @property
    def month(self) -> dt.date:
        return self.rules.parameters.month


def prognos(
    episodes: pl.DataFrame | str | Path,
    date: dt.date,
    *,
    ruleset: RuleSetRef | Path | RuleSet | None = None,
    daily_amount_sek: Decimal | str | int | None = None,
    validate: bool = True,
) -> Prognos:
    """Läget i dag for ``date``, with the rule set (default: the VGR agreement in force) and the
    fastställt belopp of its month; ``episodes`` as for :func:`hos_avtal.calculate_betalningsansvar`."""
    if isinstance(episodes, str | Path):
        frame = read_episodes(episodes)
    else:
        frame = validate_episodes(episodes) if validate else episodes
    month = date.replace(day=1)
    rules = ruleset if isinstance(ruleset, RuleSet) else select_ruleset(month, ruleset)
    parameters = rules.betalningsansvar(month, daily_amount_sek=daily_amount_decimal(daily_amount_sek))
    return prognos_with_parameters(frame, date, MonthRules(rules, parameters))


def check_date(date: dt.date, today: dt.date, field: str = "date") -> dt.date:
    """A prognos is of a day that has begun: not after ``today``."""
    if date > today:
        reason = f"{date} är efter i dag ({today}); en prognos gäller i dag eller en tidigare dag"
        raise InputError(field, [Problem(None, None, reason)])
    return date


def prognos_with_parameters(frame: pl.DataFrame, date: dt.date, rules: MonthRules) -> Prognos:
    """:func:`prognos` on a validated frame with the month's rules given (the property tests)."""
    p = rules.parameters
    month = p.month
    ready, discharge = pl.col("ready_date"), pl.col("discharge_date")
    waiting = (ready <= date) & (discharge.is_null() | (discharge > date))
    # One pass: the month's discharges so far, and every waiting patient as if discharged today.
    today = (
        frame.lazy()
        .filter(discharge.is_between(month, date) | waiting)
        .with_columns(waiting.alias("waiting"))
        .with_columns(
            pl.when(pl.col("waiting"))
            .then(pl.lit(date, pl.Date))
            .otherwise(discharge)
            .alias("discharge_date")
        )
    )
    # Accrual bills a stay month by month; a prognos asks what the month costs if it ended today.
    params = params_frame([p]).with_columns(pl.lit(False).alias("accrue"))
    codes = parties_frame().get_column("kommun").to_list()
    lines = classify_episodes(today, params, codes)
    # The engine's enums as their indexes (kommun in all 290 codes, care type, status).
    columns = lines.select(
        *(pl.col(c).to_physical().cast(pl.Int64).alias(c) for c in ("kommun", "care_type", "status")),
        pl.col("days").cast(pl.Int64),
        pl.col("amount_ore").fill_null(0).cast(pl.Int64),
        "waiting",
        "episode_id",
        "ready_date",
        *REASONS,
    ).collect()
    arrays = _Lines.of(columns, codes, p.separate_care_type_averages)
    return Prognos(
        date, rules, _municipalities(arrays, codes, p), _waiting(columns, arrays, p), _outside(arrays)
    )


_POOLED, _INDIVIDUAL, _NOT_COVERED, _OUTSIDE = range(4)


@dataclass(frozen=True)
class _Lines:
    """The classified lines as dense arrays, and each pool's N and D (so far, and today).

    A pool is a municipality's (``cell = kommun``), or with separate averages a municipality's
    care type's (``cell = 2·kommun + care``); sums per cell are ``np.bincount``s, as the engine's
    cube does, so nothing loops over patients.
    """

    code_index: IntArray
    """Each line's kommun among all 290 codes."""
    kommun: IntArray
    """Each line's party among the 49 (−1: outside the agreement)."""
    care: IntArray
    cell: IntArray
    status: IntArray
    days: IntArray
    amount: IntArray
    waiting: npt.NDArray[np.bool_]
    cells: int
    n_so_far: IntArray
    d_so_far: IntArray
    n_today: IntArray
    d_today: IntArray

    @classmethod
    def of(cls, columns: pl.DataFrame, codes: list[str], separate: bool) -> _Lines:
        party_of = np.full(len(_ALL_CODES), -1, dtype=np.int64)
        party_of[[_ALL_CODES.index(c) for c in codes]] = np.arange(len(codes))
        code_index = columns.get_column("kommun").to_numpy()
        kommun = party_of[code_index]
        care = columns.get_column("care_type").to_numpy()
        status = columns.get_column("status").to_numpy()
        days = columns.get_column("days").to_numpy()
        waiting = columns.get_column("waiting").to_numpy().astype(bool)
        cells = len(codes) * 2 if separate else len(codes)
        cell = np.where(kommun >= 0, kommun * 2 + care if separate else kommun, 0)
        pooled = (status == _POOLED) & (kommun >= 0)
        so_far = pooled & ~waiting

        def count(mask: npt.NDArray[np.bool_], weights: IntArray | None = None) -> IntArray:
            return sum_by(cell, mask, weights, cells)

        return cls(
            code_index, kommun, care, cell, status, days, columns.get_column("amount_ore").to_numpy(),
            waiting, cells, count(so_far), count(so_far, days), count(pooled), count(pooled, days),
        )  # fmt: skip


IntArray = npt.NDArray[np.int64]


def sum_by(index: IntArray, mask: npt.NDArray[np.bool_], weights: IntArray | None, size: int) -> IntArray:
    """Per index, the number of ``mask``'s rows (or the sum of their ``weights``), in exact
    integers: ``np.bincount`` with weights would add öre as binary floats."""
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, index[mask], 1 if weights is None else weights[mask])
    return out


def pool_amount(n: IntArray, d: IntArray, num: int, den: int, daily: int) -> IntArray:
    """Each pool's amount in öre, exactly as the engine: liable iff ``D·den > num·N``; then
    ``(D − t·N)·daily`` rounded half up once (Python integers past int64's safe range)."""
    excess = d * den - n * num
    if int(np.abs(excess).max(initial=0)) * 2 * daily + den >= _INT64_SAFE:
        excess = excess.astype(object)
    amounts: IntArray = np.where(excess > 0, (2 * excess * daily + den) // (2 * den), 0)
    return amounts


_INT64_SAFE = 2**62


def _municipalities(lines: _Lines, codes: list[str], p: BetalningsansvarParameters) -> pl.DataFrame:
    num, den = p.threshold_fraction
    daily = p.daily_amount_ore
    k = len(codes)
    party = lines.kommun >= 0
    covered = party & (lines.status <= _INDIVIDUAL)
    individual = party & (lines.status == _INDIVIDUAL)

    def per_kommun(mask: npt.NDArray[np.bool_], weights: IntArray | None = None) -> IntArray:
        return sum_by(lines.kommun, mask, weights, k)

    def to_kommun(per_cell: IntArray) -> IntArray:
        summed: IntArray = per_cell.reshape(k, -1).sum(axis=1)
        return summed

    pool_so_far = pool_amount(lines.n_so_far, lines.d_so_far, num, den, daily)
    pool_today = pool_amount(lines.n_today, lines.d_today, num, den, daily)
    # Separate averages: the pool that is liable first; an empty pool absorbs nothing yet (0).
    margins = np.where(
        lines.n_today > 0, (lines.n_today * num - lines.d_today * den) // den, np.iinfo(np.int64).max
    )
    margin = margins.reshape(k, -1).min(axis=1)
    margin = np.where(margin == np.iinfo(np.int64).max, 0, margin)
    no_pool = not any(q.pooled_average for q in (p.for_care_type("somatik"), p.for_care_type("psykiatri")))
    return pl.DataFrame(
        {
            "kommun": codes,
            "discharged_episodes": per_kommun(covered & ~lines.waiting),
            "average_episodes_so_far": to_kommun(lines.n_so_far),
            "average_days_so_far": to_kommun(lines.d_so_far),
            "liable_so_far": (pool_so_far.reshape(k, -1) > 0).any(axis=1),
            "amount_so_far_ore": per_kommun(individual & ~lines.waiting, lines.amount)
            + to_kommun(pool_so_far),
            "waiting_episodes": per_kommun(covered & lines.waiting),
            "amount_if_discharged_today_ore": per_kommun(individual, lines.amount) + to_kommun(pool_today),
            # Without any average there is no pool to absorb a day: no margin.
            "pool_margin_days": pl.Series([None] * k, dtype=pl.Int64) if no_pool else margin,
        },
        schema=MUNICIPALITY_SCHEMA,
    )


def _waiting(columns: pl.DataFrame, lines: _Lines, p: BetalningsansvarParameters) -> pl.DataFrame:
    """Every waiting patient of the 49 with the cost of one more day: from its pool's N and D
    today, as the engine would bill it tomorrow (counted in the month)."""
    num, den = p.threshold_fraction
    daily = p.daily_amount_ore
    som, psy = p.for_care_type("somatik"), p.for_care_type("psykiatri")
    rows = np.flatnonzero(lines.waiting & (lines.kommun >= 0))
    psychiatric = lines.care[rows] == 1
    switch = np.where(psychiatric, psy.switch_days, som.switch_days)
    free = np.where(psychiatric, psy.free_days, som.free_days)
    status, days, cell = lines.status[rows], lines.days[rows], lines.cell[rows]
    n, d = lines.n_today[cell], lines.d_today[cell]
    billable = np.maximum(days - free, 0)
    tomorrow = np.maximum(days + 1 - free, 0)
    now = pool_amount(n, d, num, den, daily)
    crosses = (status == _POOLED) & (days + 1 > switch)
    # Crossing into individual billing tomorrow: the patient leaves the pool, and pays from its
    # free days on; staying in the pool: one more day in it.
    leaving = pool_amount(np.where(crosses, n - 1, n), np.where(crosses, d - days, d + 1), num, den, daily)
    marginal = np.select(
        [status == _INDIVIDUAL, crosses, status == _POOLED],
        [(tomorrow - billable) * daily, leaving - now + tomorrow * daily, leaving - now],
        0,
    ).astype(np.int64)
    covered = status <= _INDIVIDUAL
    reasons = pl.concat_list([pl.when(pl.col(r)).then(pl.lit(r)) for r in REASONS]).list.drop_nulls()
    waiting = columns[rows].select(
        "episode_id",
        pl.Series("kommun", np.array(_ALL_CODES, dtype=object)[lines.code_index[rows]], dtype=pl.String),
        pl.Series("care_type", np.array(CARE_TYPES, dtype=object)[lines.care[rows]], dtype=pl.String),
        "ready_date",
        pl.col("days").alias("days_waited"),
        pl.Series("status", np.array(EPISODE_STATUSES, dtype=object)[status], dtype=pl.String),
        pl.when(pl.Series(covered))
        .then(pl.col("ready_date") + pl.duration(days=pl.lit(pl.Series(switch + 1))))
        .alias("individual_from"),
        pl.Series("marginal_cost_ore", marginal, dtype=pl.Int64),
        pl.when(pl.Series(status == _NOT_COVERED))
        .then(reasons)
        .otherwise(pl.lit([], pl.List(pl.String)))
        .alias("reasons"),
    )
    return waiting.cast(WAITING_SCHEMA).sort(  # type: ignore[arg-type]
        ["marginal_cost_ore", "days_waited", "episode_id"], descending=[True, True, False]
    )


def _outside(lines: _Lines) -> pl.DataFrame:
    """Waiting patients of municipalities outside the agreement, per code (never billed)."""
    mask = lines.waiting & (lines.status == _OUTSIDE)
    counts = np.bincount(lines.code_index[mask], minlength=len(_ALL_CODES))
    found = np.flatnonzero(counts)
    return pl.DataFrame(
        {"kommun": [_ALL_CODES[i] for i in found], "waiting_episodes": counts[found].astype(np.int64)},
        schema={"kommun": pl.String, "waiting_episodes": pl.Int64},
    )
