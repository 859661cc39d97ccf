"""The daily flow of Läget i dag: each morning's episodes stored as the day's snapshot, and the
answer computed then served to every municipality for the rest of the day (and later).

A snapshot keeps the episodes as read, with ids pseudonymised as a billing run keeps its inputs
(a personnummer as the keyed pseudonym of :mod:`hos_avtal.runs`, ``person_id`` always keyed),
and the contract's JSON as computed with the rules and fastställt belopp in force when it was
stored: what a coordinator saw that morning is what an auditor reads later. There is one snapshot
per day; a newer one of the same day replaces the older (the hospital's extract was corrected),
and two stored at once leave exactly one, the one written last, whole.

>>> import datetime as dt, pathlib, tempfile
>>> from hos_avtal.storage import open_database
>>> from hos_avtal.synth import month_range, synth_episodes
>>> db = open_database(pathlib.Path(tempfile.mkdtemp()) / "runs.sqlite")
>>> episodes = synth_episodes(month_range("2022-03"), episodes_per_month=300, seed=3)
>>> stored = save_snapshot(db, episodes, dt.date(2022, 3, 14), created_by="doctest")
>>> latest = load_snapshot(db)
>>> latest.summary.date == stored.date, len(latest.part("1480")["municipalities"])
(True, 1)
>>> db.close()
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import sqlalchemy as sa

from hos_avtal import months
from hos_avtal._types import RuleSetRef
from hos_avtal.betalningsansvar import MonthRules
from hos_avtal.errors import SnapshotNotFoundError
from hos_avtal.forecasts._prognos import check_date, prognos_with_parameters
from hos_avtal.forecasts._report import contract, part
from hos_avtal.io import EPISODE_COLUMNS, Table, read_table, validate_episode_table
from hos_avtal.rules import RuleSet, daily_amount_decimal, select_ruleset
from hos_avtal.runs import configured_key, database_key, pseudonymise, pseudonymise_person_ids
from hos_avtal.storage import frame_bytes, prognos_snapshot

if TYPE_CHECKING:
    from hos_avtal.storage import Database

_LOCK_SPACE = 0x7072  # "pr": the advisory locks of prognos snapshots, one per day
_SUMMARY_COLUMNS = (
    prognos_snapshot.c.id, prognos_snapshot.c.date, prognos_snapshot.c.created_at,
    prognos_snapshot.c.created_by, prognos_snapshot.c.ruleset_id, prognos_snapshot.c.daily_amount_ore,
    prognos_snapshot.c.episodes, prognos_snapshot.c.waiting, prognos_snapshot.c.inputs_sha256,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SnapshotSummary:
    """A stored snapshot without its data: the day, who stored it when, the rule set and the
    fastställt belopp it was computed with, how many episodes it holds and how many wait."""

    id: int
    date: dt.date
    created_at: dt.datetime
    created_by: str
    ruleset_id: str
    daily_amount_ore: int
    episodes: int
    waiting: int
    inputs_sha256: str
    replaced: bool = False
    """Whether storing it replaced an earlier snapshot of the same day (only as it is stored)."""

    def record(self) -> dict[str, Any]:
        """The JSON of the API's ``snapshot`` object (money as ``"9300.00"``)."""
        from hos_avtal.money import format_sek

        return {
            "id": self.id,
            "date": self.date.isoformat(),
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "ruleset": self.ruleset_id,
            "daily_amount_sek": format_sek(self.daily_amount_ore),
            "episodes": self.episodes,
            "waiting_episodes": self.waiting,
            "inputs_sha256": self.inputs_sha256,
        }


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A stored snapshot and the contract of :func:`hos_avtal.forecasts.prognos` computed then."""

    summary: SnapshotSummary
    result: dict[str, Any]

    def part(self, kommun: str | None) -> dict[str, Any]:
        """The contract as one municipality may see it (``None``: all of it)."""
        return part(self.result, kommun)


def save_snapshot(
    db: Database,
    episodes: pl.DataFrame | Table | str | Path,
    date: dt.date,
    *,
    created_by: str,
    ruleset: RuleSetRef | Path | RuleSet | None = None,
    daily_amount_sek: Decimal | str | int | None = None,
    accept: Collection[str] = (),
) -> SnapshotSummary:
    """Compute Läget i dag for ``date`` and store it as that day's snapshot, replacing an earlier
    one of the day. Bad input is an :class:`~hos_avtal.errors.InputError` naming input, row and
    column (and a personnummer without a configured pseudonym key a
    :class:`~hos_avtal.errors.StorageError`); nothing is then stored."""
    day = check_date(date, months.today())
    month = day.replace(day=1)
    rules = ruleset if isinstance(ruleset, RuleSet) else select_ruleset(month, ruleset)
    # The month's parameters before the episodes are read: a missing amount is said first.
    parameters = rules.betalningsansvar(month, daily_amount_sek=daily_amount_decimal(daily_amount_sek))
    table = _table(episodes)
    frame, _replaced = pseudonymise(table.frame, ("episode_id", "person_id"), database_key(db))
    frame = pseudonymise_person_ids(frame, configured_key(db) or secrets.token_bytes(32))
    validated = validate_episode_table(table.with_frame(frame), accept=accept, months=[month])
    result = prognos_with_parameters(validated, day, MonthRules(rules, parameters))
    blob = frame_bytes(validated)
    values = {
        "date": day,
        "created_at": dt.datetime.now(dt.UTC),
        "created_by": created_by,
        "ruleset_id": rules.id,
        "daily_amount_ore": parameters.daily_amount_ore,
        "episodes": validated.height,
        "waiting": result.waiting.height,
        "inputs_sha256": hashlib.sha256(blob).hexdigest(),
        "episodes_parquet": blob,
        "result_json": json.dumps(contract(result), ensure_ascii=False, separators=(",", ":")),
    }
    new_id, replaced = _replace(db, values)
    return dataclasses.replace(_summary({**values, "id": new_id}), replaced=replaced)


def _replace(db: Database, values: dict[str, Any]) -> tuple[int, bool]:
    """Delete the day's snapshot and insert the new one, one writer of a day at a time: SQLite's
    write lock serializes them, PostgreSQL's advisory lock of the day (without it, two writers'
    deletes would both find nothing and the later insert fail on the unique date)."""
    with db.write() as connection:
        if db.dialect == "postgresql":
            day: dt.date = values["date"]
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:space, :day)"),
                {"space": _LOCK_SPACE, "day": day.toordinal()},
            )
        removed = connection.execute(
            sa.delete(prognos_snapshot).where(prognos_snapshot.c.date == values["date"])
        ).rowcount
        new_id = connection.execute(
            sa.insert(prognos_snapshot).values(**values).returning(prognos_snapshot.c.id)
        ).scalar_one()
    return int(new_id), removed > 0


def load_snapshot(db: Database, date: dt.date | None = None) -> Snapshot:
    """The snapshot of ``date``, or with ``None`` the latest day's; :class:`SnapshotNotFoundError`
    if there is none."""
    query = sa.select(*_SUMMARY_COLUMNS, prognos_snapshot.c.result_json)
    if date is None:
        query = query.order_by(prognos_snapshot.c.date.desc()).limit(1)
    else:
        query = query.where(prognos_snapshot.c.date == date)
    with db.read() as connection:
        row = connection.execute(query).first()
    if row is None:
        raise SnapshotNotFoundError(
            "ingen sparad prognos finns" if date is None else f"ingen sparad prognos för {date} finns"
        )
    return Snapshot(_summary(row._mapping), json.loads(row._mapping["result_json"]))


def list_snapshots(db: Database) -> list[SnapshotSummary]:
    """Every stored snapshot, the latest day first."""
    with db.read() as connection:
        rows = connection.execute(sa.select(*_SUMMARY_COLUMNS).order_by(prognos_snapshot.c.date.desc())).all()
    return [_summary(r._mapping) for r in rows]


def delete_snapshot(db: Database, date: dt.date) -> None:
    """Remove the snapshot of ``date`` and the pseudonymised episodes it holds."""
    with db.write() as connection:
        removed = connection.execute(sa.delete(prognos_snapshot).where(prognos_snapshot.c.date == date))
    if removed.rowcount == 0:
        raise SnapshotNotFoundError(f"ingen sparad prognos för {date} finns")


def snapshot_episodes(db: Database, date: dt.date) -> pl.DataFrame:
    """The episodes a snapshot was computed from, as kept (ids pseudonymised), for an audit."""
    from hos_avtal.storage import frame_from_bytes

    with db.read() as connection:
        blob = connection.execute(
            sa.select(prognos_snapshot.c.episodes_parquet).where(prognos_snapshot.c.date == date)
        ).scalar()
    if blob is None:
        raise SnapshotNotFoundError(f"ingen sparad prognos för {date} finns")
    return frame_from_bytes(blob)


def _summary(m: Any) -> SnapshotSummary:
    created_at: dt.datetime = m["created_at"]
    if created_at.tzinfo is None:  # SQLite keeps no zone; every time stored is UTC
        created_at = created_at.replace(tzinfo=dt.UTC)
    return SnapshotSummary(
        int(m["id"]), m["date"], created_at, str(m["created_by"]), str(m["ruleset_id"]),
        int(m["daily_amount_ore"]), int(m["episodes"]), int(m["waiting"]), str(m["inputs_sha256"]),
    )  # fmt: skip


def _table(episodes: pl.DataFrame | Table | str | Path) -> Table:
    if isinstance(episodes, Table):
        return episodes
    if isinstance(episodes, pl.DataFrame):
        return Table(episodes, "episodes", first_row=1)
    return read_table(episodes, EPISODE_COLUMNS)
