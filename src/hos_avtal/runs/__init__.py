"""Monthly billing runs: all calculations of a month, stored, immutable once final, corrected by
new versions, exported as fakturaunderlag (SPEC §8)."""

from hos_avtal.runs._model import InputKind, RunInput, RunState, RunSummary, StoredRun

__all__ = ["InputKind", "RunInput", "RunState", "RunSummary", "StoredRun"]
