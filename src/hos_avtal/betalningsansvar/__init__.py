"""Kommunens betalningsansvar for discharge-ready inpatients (docs/rules.md §4, HoS-avtal Del C §5).

>>> import datetime as dt, polars as pl
>>> from hos_avtal.betalningsansvar import calculate_betalningsansvar
>>> days = [0, 2, 3, 5, 6]  # the first worked example of docs/rules.md §4
>>> episodes = pl.DataFrame({
...     "episode_id": [f"e{i}" for i in range(5)], "person_id": [f"p{i}" for i in range(5)],
...     "kommun": ["1480"] * 5, "care_type": ["somatik"] * 5,
...     "ready_date": [dt.date(2022, 3, 1)] * 5,
...     "discharge_date": [dt.date(2022, 3, 1 + d) for d in days],
...     **{c: [True] * 5 for c in ("admission_notice", "ready_notice", "outpatient_plan",
...                                "outpatient_available", "sip_invited")},
...     "sip_needed": [False] * 5,
... })
>>> result = calculate_betalningsansvar(episodes, "2022-03")
>>> row = result.municipalities.filter(pl.col("kommun") == "1480").row(0, named=True)
>>> row["average_episodes"], row["average_days"], row["total_amount_ore"]
(5, 16, 930000)
"""

from hos_avtal.betalningsansvar._calculate import (
    billing_months,
    calculate_betalningsansvar,
    calculate_with_parameters,
)
from hos_avtal.betalningsansvar._contract_text import contract_json
from hos_avtal.betalningsansvar._cube import CODES as KOMMUN_CODES
from hos_avtal.betalningsansvar._engine import REASONS
from hos_avtal.betalningsansvar._engine import STATUSES as EPISODE_STATUSES
from hos_avtal.betalningsansvar._engine import classify as classify_episodes
from hos_avtal.betalningsansvar._params import params_frame, resolve_months
from hos_avtal.betalningsansvar._report import (
    average,
    contract,
    csv_frame,
    episode_frame,
    liable_days,
)
from hos_avtal.betalningsansvar._result import BetalningsansvarResult, MonthRules

__all__ = [
    "EPISODE_STATUSES",
    "KOMMUN_CODES",
    "REASONS",
    "BetalningsansvarResult",
    "MonthRules",
    "average",
    "billing_months",
    "calculate_betalningsansvar",
    "calculate_with_parameters",
    "classify_episodes",
    "contract",
    "contract_json",
    "csv_frame",
    "episode_frame",
    "liable_days",
    "params_frame",
    "resolve_months",
]
