"""Läget i dag: the current month's forecast and the waiting list, so a municipality can act before
the bill. Computed by the billing engine's own classification and rules (docs/rules.md §9).

>>> import datetime as dt
>>> from hos_avtal.forecasts import prognos
>>> from hos_avtal.synth import month_range, synth_episodes
>>> episodes = synth_episodes(month_range("2022-03"), episodes_per_month=300, seed=2)
>>> today = prognos(episodes, dt.date(2022, 3, 15))
>>> today.month
datetime.date(2022, 3, 1)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hos_avtal._lazy import lazy_exports
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
_SNAPSHOTS = dict.fromkeys(
    ("Snapshot", "SnapshotSummary", "delete_snapshot", "list_snapshots", "load_snapshot", "save_snapshot",
     "snapshot_episodes"),
    "hos_avtal.forecasts._snapshots",
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


__getattr__, __dir__ = lazy_exports(__name__, _SNAPSHOTS)
