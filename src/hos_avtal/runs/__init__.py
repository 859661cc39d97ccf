"""Monthly billing runs: all calculations of a month, stored, immutable once final, corrected by
new versions, exported as fakturaunderlag (SPEC §8)."""

from hos_avtal.runs._corrections import billed_lines, corrections
from hos_avtal.runs._model import InputKind, RunInput, RunState, RunSummary, StoredRun
from hos_avtal.runs._run import RunOutcome, current_user, execute_run, run_month

__all__ = [
    "InputKind",
    "RunInput",
    "RunOutcome",
    "RunState",
    "RunSummary",
    "StoredRun",
    "billed_lines",
    "corrections",
    "current_user",
    "execute_run",
    "run_month",
]
