"""Monthly billing runs: all calculations of a month, stored, immutable once final, corrected by
new versions, exported as fakturaunderlag (docs/rules.md §8)."""

from hos_avtal.runs._corrections import (
    POOLED,
    billed_lines,
    corrections,
    itemised,
    settlement_ore,
    stored_frames,
)
from hos_avtal.runs._pseudonym import configured_key, database_key, pseudonymise, pseudonymise_person_ids
from hos_avtal.runs._run import RunOutcome, current_user, execute_run, run_month
from hos_avtal.storage import ACCEPTED_SCHEMA, InputKind, RunInput, RunState, RunSummary, StoredRun

__all__ = [
    "ACCEPTED_SCHEMA",
    "POOLED",
    "InputKind",
    "RunInput",
    "RunOutcome",
    "RunState",
    "RunSummary",
    "StoredRun",
    "billed_lines",
    "configured_key",
    "corrections",
    "current_user",
    "database_key",
    "execute_run",
    "itemised",
    "pseudonymise",
    "pseudonymise_person_ids",
    "run_month",
    "settlement_ore",
    "stored_frames",
]
