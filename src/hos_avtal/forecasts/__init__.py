"""Läget i dag: the current month's forecast and the waiting list, so a municipality can act before
the bill. Computed by the billing engine's own classification and rules (issue 16).

>>> import datetime as dt
>>> from hos_avtal.forecasts import prognos
>>> from hos_avtal.synth import month_range, synth_episodes
>>> episodes = synth_episodes(month_range("2022-03"), episodes_per_month=300, seed=2)
>>> today = prognos(episodes, dt.date(2022, 3, 15))
>>> today.month
datetime.date(2022, 3, 1)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hos_avtal.forecasts._prognos import Prognos, check_date, prognos, prognos_with_parameters
from hos_avtal.forecasts._report import contract, part, waiting_csv_frame

if TYPE_CHECKING:
    from hos_avtal.forecasts._snapshots import (
        Snapshot,
        SnapshotSummary,
        delete_snapshot,
        list_snapshots,
        load_snapshot,
        save_snapshot,
        snapshot_episodes,
    )

# The snapshots need the database: imported when first used, so a prognos without one does not
# pay for SQLAlchemy (as :mod:`hos_avtal.storage`).
_SNAPSHOTS = (
    "Snapshot", "SnapshotSummary", "delete_snapshot", "list_snapshots", "load_snapshot",
    "save_snapshot", "snapshot_episodes",
)  # fmt: skip

__all__ = [
    "Prognos",
    "Snapshot",
    "SnapshotSummary",
    "check_date",
    "contract",
    "delete_snapshot",
    "list_snapshots",
    "load_snapshot",
    "part",
    "prognos",
    "prognos_with_parameters",
    "save_snapshot",
    "snapshot_episodes",
    "waiting_csv_frame",
]


def __getattr__(name: str) -> Any:
    if name not in _SNAPSHOTS:
        raise AttributeError(f"module 'hos_avtal.forecasts' has no attribute {name!r}")
    value = getattr(importlib.import_module("hos_avtal.forecasts._snapshots"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_SNAPSHOTS])
