"""What a stored billing run is, as the rest of the package sees it (storage fills it in,
exports and the CLI read it). Money columns end in ``_ore`` and hold integer öre; ids in every
frame are pseudonymous (a personnummer was replaced by a keyed hash before anything was stored).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from hos_avtal.io import InputKind as InputKind  # the kinds live with the readers
from hos_avtal.money import format_sek

ACCEPTED_SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.String(),
    "kommun": pl.String(),
    "line_key": pl.String(),
    "value": pl.Int64(),
}
"""``StoredRun.accepted_values``: what was acknowledged (``long_wait``), where, and its value."""

RunState = Literal["draft", "final"]


@dataclass(frozen=True, slots=True)
class RunInput:
    """One input file of a run, identified by the SHA-256 of its bytes."""

    kind: InputKind
    name: str
    sha256: str
    rows: int


@dataclass(frozen=True, slots=True)
class RunSummary:
    """A run's identity and audit trail."""

    id: int
    month: dt.date
    version: int
    """1 for the month's first run; N + 1 for a run made after final version N."""
    state: RunState
    ruleset_id: str
    ruleset_hash: str
    """SHA-256 of the rule set's parameters as used (so an edited rule-set file is a new run)."""
    inputs_hash: str
    """SHA-256 over the inputs' hashes and the options that change results (e.g. --daily-amount)."""
    code_version: str
    created_by: str
    created_at: dt.datetime
    finalized_by: str | None = None
    finalized_at: dt.datetime | None = None
    daily_amount_ore: int | None = None
    corrects_run_id: int | None = None
    """The last final run of the month when this run was made (its corrections are against it)."""
    accepted: tuple[str, ...] = ()
    """What the user acknowledged when making the run (``"long_wait"``): values outside the
    plausibility limits that are possible, checked and billed (see ``StoredRun.accepted_values``)."""
    seal: str | None = None
    """SHA-256 over the run's identity and rows (:mod:`hos_avtal.storage._seal`); checked on every
    read. ``None`` for a run stored before seals existed (schema revision 0005)."""

    @property
    def is_draft(self) -> bool:
        return self.state == "draft"

    @property
    def month_text(self) -> str:
        return f"{self.month:%Y-%m}"

    def record(self, *, money: Literal["ore", "sek"] = "ore") -> dict[str, Any]:
        """The summary as JSON values: dates in ISO 8601, the daily amount in integer öre
        (``daily_amount_ore``, the CLI's) or as a two-decimal string (``daily_amount_sek``, the
        API's, where all money is a decimal string).

        >>> import datetime as dt
        >>> s = RunSummary(1, dt.date(2022, 6, 1), 1, "draft", "vgr-2018", "r", "i", "0.1", "cli",
        ...                dt.datetime(2022, 7, 1, 8, 0), daily_amount_ore=930000)
        >>> s.record()["daily_amount_ore"], s.record(money="sek")["daily_amount_sek"]
        (930000, '9300.00')
        """
        amount = self.daily_amount_ore
        return {
            "id": self.id,
            "month": f"{self.month:%Y-%m}",
            "version": self.version,
            "state": self.state,
            "ruleset_id": self.ruleset_id,
            "ruleset_hash": self.ruleset_hash,
            "inputs_hash": self.inputs_hash,
            "code_version": self.code_version,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "finalized_by": self.finalized_by,
            "finalized_at": self.finalized_at.isoformat() if self.finalized_at else None,
            **(
                {"daily_amount_ore": amount}
                if money == "ore"
                else {"daily_amount_sek": None if amount is None else format_sek(amount)}
            ),
            "corrects_run_id": self.corrects_run_id,
            "accepted": list(self.accepted),
            "seal": self.seal,
        }


@dataclass(frozen=True)
class StoredRun:
    """Everything a run computed and stored, as frames.

    * ``betalningsansvar``: 49 rows, the columns of ``BetalningsansvarResult.municipalities``.
    * ``episode_lines``: the columns of ``BetalningsansvarResult.episode_lines()``.
    * ``placement_lines`` / ``placement_municipalities``: ``PlacementResult.lines`` and
      ``.municipalities`` (``None`` when the run had no placement inputs).
    * ``home_care_lines`` / ``home_care_municipalities`` / ``home_care_payments``:
      ``HomeCareResult.lines``, ``.municipalities`` and ``.payments`` (``None`` without visits).
    * ``corrections``: against ``summary.corrects_run_id`` — one row per changed line with
      ``capability`` (``betalningsansvar``/``placements``/``home_care``), ``kommun``,
      ``line_key`` (episode_id, "placement_id month", or "host home service"; ``"total"`` for a
      municipality's total), ``previous_ore``, ``current_ore`` and ``delta_ore`` (current −
      previous: positive is a debit, negative a credit). Empty for a month's first run.
    """

    summary: RunSummary
    inputs: list[RunInput]
    betalningsansvar: pl.DataFrame
    episode_lines: pl.DataFrame
    corrections: pl.DataFrame
    placement_lines: pl.DataFrame | None = None
    placement_municipalities: pl.DataFrame | None = None
    home_care_lines: pl.DataFrame | None = None
    home_care_municipalities: pl.DataFrame | None = None
    home_care_payments: pl.DataFrame | None = None
    recurring_liability: dict[str, int] = field(default_factory=dict)
    """Per kommun: final months in a row with a liability up to and including this month."""
    accepted_values: pl.DataFrame | None = None
    """``kind, kommun, line_key, value``: each acknowledged value (``long_wait``: an episode id and
    its days); empty when nothing was acknowledged."""
