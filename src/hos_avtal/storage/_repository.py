"""Reading and writing billing runs. Every write is one transaction; final runs are immutable.

The repository API has no way to change a final run: :func:`finalize` only moves a draft to
final, :func:`delete_draft` refuses a final run, and nothing else updates a run. The database
backs this up with triggers on every run table (migrations 0001 and 0005) and with two unique
indexes: one run per (month, inputs, rule set), and one final run per (month, version). Every
run is sealed when stored (:mod:`hos_avtal.storage._seal`), and every read checks the seal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection, Row, Table, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import BigInteger, Boolean, Date, Integer

from hos_avtal.errors import FinalRunError, RunIntegrityError, RunNotFoundError, StaleRunError, StorageError
from hos_avtal.io import INPUT_KINDS
from hos_avtal.months import months_in_a_row
from hos_avtal.storage import _seal
from hos_avtal.storage._database import Database
from hos_avtal.storage._events import log_event
from hos_avtal.storage._models import (
    FRAME_TABLES,
    billing_run,
    frame_columns,
    run_digest,
    run_input,
    settings,
)
from hos_avtal.storage._parquet import frame_bytes, frame_from_bytes
from hos_avtal.storage._records import InputKind, RunInput, RunState, RunSummary, StoredRun

SORT_KEYS: dict[str, tuple[str, ...]] = {
    "betalningsansvar": ("month", "kommun"),
    "episode_lines": ("month", "kommun", "status", "episode_id"),
    "placement_lines": ("month", "kommun", "placement_id"),
    "placement_municipalities": ("kommun",),
    "home_care_lines": ("month", "host", "home", "service"),
    "home_care_municipalities": ("month", "kommun"),
    "home_care_payments": ("month", "payer", "payee"),
    "corrections": ("capability", "kommun", "line_key"),
    "accepted_values": ("kind", "kommun", "line_key"),
}
"""The order frames are stored and loaded in (SQL gives no order without one)."""

SEALED_FROM = "sealed_from_run_id"
"""The setting migration 0005 wrote: runs from this id on were sealed when stored."""

_OPTIONAL = frozenset(FRAME_TABLES) - {"betalningsansvar", "episode_lines", "corrections", "accepted_values"}

KOMMUN_COLUMNS: dict[str, tuple[str, ...]] = {
    "betalningsansvar": ("kommun",),
    "episode_lines": ("kommun",),
    "placement_lines": ("kommun",),
    "placement_municipalities": ("kommun",),
    "home_care_lines": ("host", "home"),
    "home_care_municipalities": ("kommun",),
    "home_care_payments": ("payer", "payee"),
    "corrections": ("kommun",),
    "accepted_values": ("kommun",),
}
"""The columns naming the municipalities a stored row concerns (a row concerns either of two)."""


@dataclass(frozen=True)
class NewRun:
    """A computed run, ready to store: its record as it will be stored (``id`` 0 until it is, a
    draft), its inputs and its frames. ``summary.version`` and ``summary.corrects_run_id`` were
    derived from the month's last final run; :func:`save_run` checks it is still the last one."""

    summary: RunSummary
    inputs: list[RunInput]
    frames: Mapping[str, pl.DataFrame | None]
    """StoredRun field name → frame (``None`` for a capability without inputs)."""
    input_tables: Mapping[InputKind, pl.DataFrame] = field(default_factory=dict)
    """Input kind → the input as read, ids pseudonymised (what a validator accepts again)."""


# ---------------------------------------------------------------------------------------- writes


def save_run(db: Database, new: NewRun) -> tuple[RunSummary, bool]:
    """Store a run in one transaction; ``(summary, True)``, or the existing identical run's
    ``(summary, False)``.

    Identity (month, inputs hash, rule-set hash) is enforced by a unique constraint, so two
    processes saving the same run at once store it once: the loser's insert fails and it
    returns the winner's run. Raises :class:`StaleRunError` if a newer final run appeared.
    """
    run = new.summary
    try:
        with db.write() as connection:
            existing = _find(connection, run.month, run.inputs_hash, run.ruleset_hash)
            if existing is not None:
                return existing, False
            last = _last_final(connection, run.month)
            if (last.id if last else None) != run.corrects_run_id:
                raise StaleRunError(
                    f"den senaste fastställda körningen för {run.month:%Y-%m} har ändrats; beräknar igen"
                )
            row = {
                name: getattr(run, name)
                for name in (
                    "month", "version", "ruleset_id", "ruleset_hash", "inputs_hash", "code_version",
                    "created_by", "created_at", "daily_amount_ore", "corrects_run_id",
                )
            }  # fmt: skip
            run_id = connection.execute(
                insert(billing_run)
                .values(
                    **row,
                    state="draft",
                    capabilities=",".join(k for k, f in new.frames.items() if f is not None),
                    accepted=",".join(run.accepted) or None,
                )
                .returning(billing_run.c.id)
            ).scalar_one()
            blobs = {i.kind: _input_bytes(new.input_tables.get(i.kind)) for i in new.inputs}
            if new.inputs:
                connection.execute(
                    insert(run_input),
                    [
                        {
                            "run_id": run_id,
                            "kind": i.kind,
                            "name": i.name,
                            "sha256": i.sha256,
                            "rows": i.rows,
                            "data_parquet": blobs[i.kind],
                        }
                        for i in new.inputs
                    ],
                )
            for name, frame in new.frames.items():
                if frame is not None:
                    insert_frame(connection, FRAME_TABLES[name], run_id, _sorted(name, frame))
            _store_seal(connection, run_id, {str(kind): blob for kind, blob in blobs.items()})
    except IntegrityError as exc:
        # The identity constraint: an identical run was committed while this one was written.
        with db.read() as connection:
            existing = _find(connection, run.month, run.inputs_hash, run.ruleset_hash)
        if existing is None:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StorageError(f"körningen för {run.month:%Y-%m} kunde inte lagras: {reason}") from exc
        return existing, False
    summary = load_summary(db, run_id)
    log_event(
        "run.created", f"run {run_id} created: {run.month:%Y-%m} version {summary.version}",
        run_id=run_id, month=f"{run.month:%Y-%m}", version=summary.version, state="draft",
        ruleset_id=run.ruleset_id, created_by=run.created_by,
    )  # fmt: skip
    return summary, True


def _input_bytes(frame: pl.DataFrame | None) -> bytes | None:
    return None if frame is None else frame_bytes(frame)


def insert_frame(connection: Connection, table: Table, run_id: int, frame: pl.DataFrame) -> None:
    """Bulk-insert a frame's rows (one executemany) into ``table`` under ``run_id``."""
    if frame.height == 0:
        return
    names = [c.name for c in frame_columns(table)]
    data = frame.select(names)
    if "flags" in names and data.schema["flags"] == pl.List(pl.String):
        data = data.with_columns(pl.col("flags").list.join(";"))
    rows = data.with_columns(pl.lit(run_id).alias("run_id")).to_dicts()
    connection.execute(insert(table), rows)


def finalize(db: Database, run_id: int, finalized_by: str) -> tuple[RunSummary, bool]:
    """Make a draft final: ``(summary, True)``; an already final run: ``(summary, False)``.

    Refused (:class:`FinalRunError`) when the month already has a final run of this version or a
    newer one: the draft was computed against an older final version, so its corrections would
    be wrong; run the month again.
    """
    from hos_avtal.privacy import check_label

    finalized_by = check_label(finalized_by, "finalized_by", max_length=100)
    try:
        with db.write() as connection:
            row = connection.execute(
                select(billing_run).where(billing_run.c.id == run_id).with_for_update()
            ).first()
            if row is None:
                raise RunNotFoundError(f"ingen körning med id {run_id}")
            if row.state == "final":
                return _summary(row), False
            last = _last_final(connection, row.month)
            if last is not None and last.version >= row.version:
                raise FinalRunError(_superseded(row, last.version))
            # The draft must still be what was stored: a final seal over altered rows would
            # certify them.
            _load(connection, run_id, None)
            final = {"state": "final", "finalized_by": finalized_by, "finalized_at": _now()}
            changed = connection.execute(
                update(billing_run)
                .where(and_(billing_run.c.id == run_id, billing_run.c.state == "draft"))
                .values(**final, seal=_final_seal(connection, row, final))
            ).rowcount
    except IntegrityError:
        # The partial unique index: another draft of this version became final at the same time.
        with db.read() as connection:
            row = _row(connection, run_id)
            last = _last_final(connection, row.month)
        raise FinalRunError(_superseded(row, last.version if last else row.version)) from None
    summary = load_summary(db, run_id)
    if changed == 1:
        log_event(
            "run.finalized", f"run {run_id} finalized: {summary.month_text} version {summary.version}",
            run_id=run_id, month=summary.month_text, version=summary.version, state="final",
            created_by=finalized_by,
        )  # fmt: skip
    return summary, changed == 1


def _store_seal(connection: Connection, run_id: int, blobs: Mapping[str, bytes | None]) -> None:
    """Read the stored rows back (the form every later read checks) and seal them."""
    row = _row(connection, run_id)
    frames = {name: _read_frame(connection, name, run_id) for name in _present(row)}
    digests = _seal.municipality_digests(frames, KOMMUN_COLUMNS)
    digests[_seal.INPUTS_CODE] = _seal.inputs_digest(blobs)
    connection.execute(
        insert(run_digest), [{"run_id": run_id, "kommun": k, "sha256": v} for k, v in digests.items()]
    )
    connection.execute(
        update(billing_run)
        .where(billing_run.c.id == run_id)
        .values(seal=_seal.seal(row._mapping, _input_rows(connection, run_id), digests))
    )


def _final_seal(connection: Connection, row: Row[Any], final: Mapping[str, Any]) -> str | None:
    if row.seal is None:
        return None  # stored before seals existed: finalizing cannot certify it after the fact
    return _seal.seal(
        {**row._mapping, **final}, _input_rows(connection, row.id), _stored_digests(connection, row.id)
    )


def _input_rows(connection: Connection, run_id: int) -> list[Mapping[Any, Any]]:
    columns = (run_input.c.kind, run_input.c.name, run_input.c.sha256, run_input.c.rows)
    return [r._mapping for r in connection.execute(select(*columns).where(run_input.c.run_id == run_id))]


def _stored_digests(connection: Connection, run_id: int) -> dict[str, str]:
    query = select(run_digest.c.kommun, run_digest.c.sha256).where(run_digest.c.run_id == run_id)
    return {str(k): str(v) for k, v in connection.execute(query)}


def _altered(run_id: int, what: str) -> RunIntegrityError:
    return RunIntegrityError(
        f"körning {run_id} stämmer inte med sitt sigill ({what}): den har ändrats i databasen efter att "
        "den lagrades och visas därför inte. Anmäl det till systemets administratör; "
        "'hos-avtal run verify' kontrollerar alla körningar"
    )


def _sealed_digests(connection: Connection, row: Row[Any]) -> dict[str, str] | None:
    """The run's stored digests, once its identity, inputs list and digests are shown to make its
    seal; ``None`` for a run stored before seals existed. :class:`RunIntegrityError` otherwise."""
    if row.corrects_run_id is not None:
        corrected = connection.execute(
            select(billing_run).where(billing_run.c.id == row.corrects_run_id)
        ).first()
        if corrected is None or (corrected.state, corrected.month, corrected.version) != (
            "final",
            row.month,
            row.version - 1,
        ):
            raise _altered(
                row.id, f"den fastställda körning den rättar, {row.corrects_run_id}, saknas eller har ändrats"
            )
    if row.seal is None:
        sealed_from = connection.execute(
            select(settings.c.value).where(settings.c.key == SEALED_FROM)
        ).scalar()
        if sealed_from is None or row.id >= int(sealed_from):
            raise _altered(row.id, "dess sigill har tagits bort")
        return None  # stored before revision 0005: there is nothing to check against
    stored = _stored_digests(connection, row.id)
    if _seal.seal(row._mapping, _input_rows(connection, row.id), stored) != row.seal:
        raise _altered(row.id, "dess identitet, indata eller kontrollsummor")
    return stored


def _verify(
    connection: Connection, row: Row[Any], frames: Mapping[str, pl.DataFrame | None], kommun: str | None
) -> None:
    """Raise :class:`RunIntegrityError` unless the rows read match the run's seal: only
    ``kommun``'s rows, or every municipality's and the inputs' as kept."""
    stored = _sealed_digests(connection, row)
    if stored is None:
        return
    computed = _seal.municipality_digests(frames, KOMMUN_COLUMNS)
    if kommun is not None:
        if computed.get(kommun) != stored.get(kommun):
            raise _altered(row.id, f"raderna för kommun {kommun}")
        return
    blobs = connection.execute(
        select(run_input.c.kind, run_input.c.data_parquet).where(run_input.c.run_id == row.id)
    ).all()
    computed[_seal.INPUTS_CODE] = _seal.inputs_digest({str(kind): blob for kind, blob in blobs})
    changed = sorted(k for k in set(computed) | set(stored) if computed.get(k) != stored.get(k))
    if changed:
        named = ", ".join("indata" if k == _seal.INPUTS_CODE else k for k in changed)
        raise _altered(row.id, f"raderna för {named}")


def _verify_inputs(connection: Connection, row: Row[Any], blobs: Mapping[str, bytes | None]) -> None:
    """Raise :class:`RunIntegrityError` unless the stored inputs match the run's seal."""
    stored = _sealed_digests(connection, row)
    if stored is not None and _seal.inputs_digest(blobs) != stored.get(_seal.INPUTS_CODE):
        raise _altered(row.id, "raderna för indata")


def verify_run(db: Database, run_id: int) -> bool:
    """Check a run's rows against its seal: ``True`` when intact, ``False`` when the run was
    stored before seals existed (schema revision 0005) and cannot be checked; an altered run
    raises :class:`~hos_avtal.errors.RunIntegrityError`."""
    with db.read() as connection:
        row = _row(connection, run_id)
        frames = {name: _read_frame(connection, name, run_id) for name in _present(row)}
        _verify(connection, row, frames, None)
        return row.seal is not None


def version_gaps(db: Database) -> list[str]:
    """Months whose final versions are not 1, 2, … N without a gap: a final run was deleted
    behind the guards (what is left still matches its seals, so only the gap shows it)."""
    query = select(billing_run.c.month, billing_run.c.version).where(billing_run.c.state == "final")
    with db.read() as connection:
        finals = connection.execute(query.order_by(billing_run.c.month, billing_run.c.version)).all()
    by_month: dict[dt.date, list[int]] = {}
    for month, version in finals:
        by_month.setdefault(month, []).append(int(version))
    return [
        f"{month:%Y-%m}: final versions {', '.join(map(str, versions))}; a final run is missing"
        for month, versions in by_month.items()
        if versions != list(range(1, len(versions) + 1))
    ]


def find_sealed(db: Database, seal: str) -> RunSummary | None:
    """The run whose seal is ``seal`` (as printed on its fakturaunderlag), if it is stored."""
    with db.read() as connection:
        row = connection.execute(
            select(billing_run).where(billing_run.c.seal == seal.strip().lower())
        ).first()
    return None if row is None else _summary(row)


def _present(row: Row[Any]) -> list[str]:
    """The frames a run stored: the optional ones it names, and the ones every run has."""
    named = set(str(row.capabilities).split(",")) if row.capabilities else set()
    return [name for name in FRAME_TABLES if name in named or name not in _OPTIONAL]


def _superseded(row: Row[Any], final_version: int) -> str:
    return (
        f"körning {row.id} (version {row.version} av {row.month:%Y-%m}) kan inte fastställas: version "
        f"{final_version} av den månaden är redan fastställd. Kör månaden igen för att få version "
        f"{final_version + 1} med rättelserader."
    )


def delete_draft(db: Database, run_id: int) -> None:
    """Delete a draft run and everything it stored; a final run is refused."""
    with db.write() as connection:
        row = _row(connection, run_id)
        if row.state == "final":
            raise FinalRunError(
                f"körning {run_id} är fastställd: en fastställd körning ändras eller raderas aldrig"
            )
        connection.execute(billing_run.delete().where(billing_run.c.id == run_id))


def setting(db: Database, key: str, default: str) -> str:
    """The value of a database setting, storing ``default`` if it has none (first writer wins)."""
    with db.read() as connection:
        value = connection.execute(select(settings.c.value).where(settings.c.key == key)).scalar()
    if value is not None:
        return str(value)
    try:
        with db.write() as connection:
            value = connection.execute(select(settings.c.value).where(settings.c.key == key)).scalar()
            if value is not None:
                return str(value)
            connection.execute(insert(settings).values(key=key, value=default))
            return default
    except IntegrityError:
        with db.read() as connection:
            return str(connection.execute(select(settings.c.value).where(settings.c.key == key)).scalar_one())


# ----------------------------------------------------------------------------------------- reads


def load_summary(db: Database, run_id: int) -> RunSummary:
    """A run's summary; :class:`RunNotFoundError` if there is none."""
    with db.read() as connection:
        return _summary(_row(connection, run_id))


def find_run(db: Database, month: dt.date, inputs_hash: str, ruleset_hash: str) -> RunSummary | None:
    """The run with this identity, if stored."""
    with db.read() as connection:
        return _find(connection, month, inputs_hash, ruleset_hash)


def last_final_run(db: Database, month: dt.date) -> RunSummary | None:
    """The month's final run of the highest version, if any."""
    with db.read() as connection:
        return _last_final(connection, month)


def list_runs(db: Database, month: dt.date | None = None, state: RunState | None = None) -> list[RunSummary]:
    """Runs, oldest month first, then by version and id; optionally of one month or state."""
    query = select(billing_run).order_by(billing_run.c.month, billing_run.c.version, billing_run.c.id)
    if month is not None:
        query = query.where(billing_run.c.month == month.replace(day=1))
    if state is not None:
        query = query.where(billing_run.c.state == state)
    with db.read() as connection:
        return [_summary(row) for row in connection.execute(query)]


def load_run(db: Database, run_id: int) -> StoredRun:
    """Everything a run stored, as frames (see :class:`~hos_avtal.runs.StoredRun`), read in one
    snapshot, with the recurring liability computed across the stored final runs."""
    with db.read() as connection:
        return _load(connection, run_id, None)


def load_run_municipality(db: Database, run_id: int, kommun: str) -> StoredRun:
    """A run as :func:`load_run` gives it, but only the rows that concern ``kommun``: its own
    rows, home-care lines and payments where it is either party, and its recurring liability.

    One municipality's invoice basis needs nothing else, and the filter runs in SQL, so a read
    costs that municipality's rows instead of the whole month's.
    """
    with db.read() as connection:
        return _load(connection, run_id, kommun)


def final_runs_before(db: Database, month: dt.date) -> int:
    """How many final runs of months before ``month`` are stored.

    Final runs are never changed or deleted, so this only grows, and it grows whenever the
    history that a run's recurring liability is counted from (:func:`final_liability`) changes:
    while it stays the same, so does everything a final run of ``month`` shows.
    """
    query = select(func.count()).where(
        and_(billing_run.c.state == "final", billing_run.c.month < month.replace(day=1))
    )
    with db.read() as connection:
        return int(connection.execute(query).scalar_one())


def _load(connection: Connection, run_id: int, kommun: str | None) -> StoredRun:
    row = _row(connection, run_id)
    summary = _summary(row)
    present = _present(row)
    inputs = [
        RunInput(kind=_kind(r.kind), name=r.name, sha256=r.sha256, rows=int(r.rows))
        for r in connection.execute(
            select(run_input).where(run_input.c.run_id == run_id).order_by(run_input.c.kind)
        )
    ]
    frames = {
        name: _read_frame(connection, name, run_id, kommun) if name in present else None
        for name in FRAME_TABLES
    }
    _verify(connection, row, {name: frames[name] for name in present}, kommun)
    recurring = _recurring(connection, summary.month, _frame(frames["betalningsansvar"]), kommun)
    return StoredRun(
        summary=summary,
        inputs=inputs,
        betalningsansvar=_frame(frames["betalningsansvar"]),
        episode_lines=_frame(frames["episode_lines"]),
        corrections=_frame(frames["corrections"]),
        placement_lines=frames["placement_lines"],
        placement_municipalities=frames["placement_municipalities"],
        home_care_lines=frames["home_care_lines"],
        home_care_municipalities=frames["home_care_municipalities"],
        home_care_payments=frames["home_care_payments"],
        recurring_liability=recurring,
        accepted_values=frames["accepted_values"],
    )


def load_run_inputs(db: Database, run_id: int) -> dict[InputKind, pl.DataFrame] | None:
    """The inputs a run was computed from, as read (ids pseudonymised), by kind; ``None`` for a
    run stored before inputs were kept (schema revision 0004). Checked against the run's seal
    (the inputs' digest and the seal made from the stored digests)."""
    with db.read() as connection:
        row = _row(connection, run_id)  # a missing run is RunNotFoundError, not an empty answer
        rows = connection.execute(
            select(run_input.c.kind, run_input.c.data_parquet).where(run_input.c.run_id == run_id)
        ).all()
        _verify_inputs(connection, row, {str(kind): blob for kind, blob in rows})
    if any(blob is None for _kind_, blob in rows):
        return None
    return {_kind(kind): frame_from_bytes(blob) for kind, blob in rows}


def recurring_liability(db: Database, month: dt.date, current: pl.DataFrame | None = None) -> dict[str, int]:
    """Per kommun: liable months in a row up to and including ``month`` (docs/rules.md §4).

    Earlier months count as their last final version says; ``month`` itself as ``current`` says
    (a run's betalningsansvar frame), else as its last final version. A month without a final
    run breaks the row: only billed months count.
    """
    with db.read() as connection:
        return _recurring(connection, month, current)


def final_liability(connection: Connection, before: dt.date, kommun: str | None = None) -> pl.DataFrame:
    """``month, kommun, liable`` of the last final version of every month before ``before``
    (of one municipality only, when ``kommun`` is given)."""
    latest = (
        select(billing_run.c.month, func.max(billing_run.c.version).label("version"))
        .where(and_(billing_run.c.state == "final", billing_run.c.month < before))
        .group_by(billing_run.c.month)
        .subquery()
    )
    runs = (
        select(billing_run.c.id, billing_run.c.month)
        .join(latest, and_(latest.c.month == billing_run.c.month, latest.c.version == billing_run.c.version))
        .where(billing_run.c.state == "final")
        .subquery()
    )
    table = FRAME_TABLES["betalningsansvar"]
    query = select(runs.c.month, table.c.kommun, (table.c.total_amount_ore > 0).label("liable")).join(
        table, table.c.run_id == runs.c.id
    )
    if kommun is not None:
        query = query.where(table.c.kommun == kommun)
    rows = connection.execute(query).all()
    return pl.DataFrame(
        [tuple(r) for r in rows],
        schema={"month": pl.Date, "kommun": pl.String, "liable": pl.Boolean},
        orient="row",
    )


def _recurring(
    connection: Connection, month: dt.date, current: pl.DataFrame | None, kommun: str | None = None
) -> dict[str, int]:
    """As :func:`recurring_liability`; with ``kommun``, of that municipality only (``current``
    then holds its rows only)."""
    month = month.replace(day=1)
    if current is None:
        last = _last_final(connection, month)
        if last is None:
            return {}
        current = _read_frame(connection, "betalningsansvar", last.id, kommun)
    now = current.filter(pl.col("month") == month).select(
        "month", "kommun", (pl.col("total_amount_ore") > 0).alias("liable")
    )
    history = pl.concat([final_liability(connection, month, kommun), now])
    # Months (rows) by kommun (columns): counted with the one rule of months in a row.
    kommuner = now.get_column("kommun").to_list()
    frame = (
        history.filter(pl.col("kommun").is_in(kommuner))
        .pivot(on="kommun", index="month", values="liable")
        .sort("month")
    )
    absent = [pl.lit(False).alias(code) for code in kommuner if code not in frame.columns]
    flags = frame.with_columns(absent).select(pl.col(kommuner).fill_null(False)).to_numpy().astype(bool)
    ordinals = frame.get_column("month").to_numpy().astype("datetime64[M]").astype(np.int64)
    in_a_row: list[int] = (
        months_in_a_row(flags, ordinals)[-1].tolist() if frame.height else [0] * len(kommuner)
    )
    return dict(zip(kommuner, in_a_row, strict=True))


# ------------------------------------------------------------------------------------- internals


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _kind(text: str) -> InputKind:
    for kind in INPUT_KINDS:
        if kind == text:
            return kind
    raise StorageError(f"okänd typ av indata {text!r} i databasen")


def _frame(frame: pl.DataFrame | None) -> pl.DataFrame:
    if frame is None:
        raise StorageError("en körning utan sina rader för betalningsansvar: databasen är skadad")
    return frame


def _sorted(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    keys = [k for k in SORT_KEYS[name] if k in frame.columns]
    return frame.sort(keys) if keys else frame


def _row(connection: Connection, run_id: int) -> Row[Any]:
    row = connection.execute(select(billing_run).where(billing_run.c.id == run_id)).first()
    if row is None:
        raise RunNotFoundError(f"ingen körning med id {run_id}")
    return row


def _find(connection: Connection, month: dt.date, inputs_hash: str, ruleset_hash: str) -> RunSummary | None:
    row = connection.execute(
        select(billing_run).where(
            and_(
                billing_run.c.month == month,
                billing_run.c.inputs_hash == inputs_hash,
                billing_run.c.ruleset_hash == ruleset_hash,
            )
        )
    ).first()
    return _summary(row) if row is not None else None


def _last_final(connection: Connection, month: dt.date) -> RunSummary | None:
    row = connection.execute(
        select(billing_run)
        .where(and_(billing_run.c.month == month, billing_run.c.state == "final"))
        .order_by(billing_run.c.version.desc())
        .limit(1)
    ).first()
    return _summary(row) if row is not None else None


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes; every stored time is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _summary(row: Row[Any]) -> RunSummary:
    created = _aware(row.created_at)
    assert created is not None
    state: RunState = "final" if row.state == "final" else "draft"
    return RunSummary(
        id=int(row.id),
        month=row.month,
        version=int(row.version),
        state=state,
        ruleset_id=row.ruleset_id,
        ruleset_hash=row.ruleset_hash,
        inputs_hash=row.inputs_hash,
        code_version=row.code_version,
        created_by=row.created_by,
        created_at=created,
        finalized_by=row.finalized_by,
        finalized_at=_aware(row.finalized_at),
        daily_amount_ore=None if row.daily_amount_ore is None else int(row.daily_amount_ore),
        corrects_run_id=None if row.corrects_run_id is None else int(row.corrects_run_id),
        accepted=tuple(str(row.accepted).split(",")) if row.accepted else (),
        seal=row.seal,
    )


def _polars_type(column: Any) -> pl.DataType:
    kind = column.type
    if isinstance(kind, BigInteger | Integer):
        return pl.Int64()
    if isinstance(kind, Boolean):
        return pl.Boolean()
    if isinstance(kind, Date):
        return pl.Date()
    return pl.String()


def _read_frame(connection: Connection, name: str, run_id: int, kommun: str | None = None) -> pl.DataFrame:
    """A stored frame of a run; with ``kommun``, only the rows that concern it."""
    table = FRAME_TABLES[name]
    columns = frame_columns(table)
    schema = {c.name: _polars_type(c) for c in columns}
    query = select(*columns).where(table.c.run_id == run_id)
    if kommun is not None:
        query = query.where(or_(*(table.c[c] == kommun for c in KOMMUN_COLUMNS[name])))
    rows = connection.execute(query).all()
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    if "flags" in schema:
        frame = frame.with_columns(
            pl.col("flags").str.split(";").list.eval(pl.element().filter(pl.element() != ""))
        )
    return _sorted(name, frame)
