"""Opening the run database: SQLite in a file by default, PostgreSQL by URL; schema by Alembic.

The schema is created or upgraded on first use, under a lock (SQLite's write lock, PostgreSQL's
advisory lock), so two processes opening a new database at once do not both migrate it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError

from hos_avtal.errors import SchemaError, StorageError
from hos_avtal.storage._location import DEFAULT_URL as DEFAULT_URL
from hos_avtal.storage._location import ENV_URL as ENV_URL
from hos_avtal.storage._location import resolve_url

_MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 0x686F735F  # any constant; names the advisory lock of schema upgrades
_IMMEDIATE = "hos_avtal_immediate"


@dataclass
class Database:
    """An open run database. Use :meth:`read` and :meth:`write` for transactions."""

    url: str
    engine: Engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A transaction for reading (a consistent snapshot on PostgreSQL)."""
        with self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction for writing: committed whole on success, rolled back whole on any error.

        On SQLite it takes the write lock at once (``BEGIN IMMEDIATE``): a transaction that read
        first and then tried to write could otherwise fail at once instead of waiting its turn.
        """
        with self.engine.connect() as connection:
            connection.execution_options(**{_IMMEDIATE: True})
            with connection.begin():
                yield connection

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_database(url_or_path: str | Path | None = None, *, upgrade: bool = True) -> Database:
    """Open (creating it on first use) the run database and bring its schema to the newest version.

    ``url_or_path``: a SQLAlchemy URL (``postgresql+psycopg://…``, ``sqlite:///…``) or the path
    of a SQLite file; ``None`` reads ``HOS_AVTAL_DATABASE_URL``, else ``hos_avtal.sqlite`` here.
    """
    url = resolve_url(url_or_path)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(f"{url!r} är varken en databas-URL eller en sökväg till en fil") from None
    # A failed statement's message must never carry its parameters: they are episode rows.
    options: dict[str, Any] = {"hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not Path(database).parent.is_dir():
            raise StorageError(f"databasen {database} kan inte skapas: mappen finns inte")
        if database and database != ":memory:" and not database.startswith("file:"):
            # SQLite would create the file with the umask's mode (0644: anyone may read the
            # runs); created empty here it is the owner's alone, and SQLite gives its -wal and
            # -shm files the database file's mode.
            try:
                handle = os.open(database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:
                pass  # there already, or another process created it a moment ago
            else:
                try:
                    os.fchmod(handle, 0o600)  # a umask could still have taken the owner's bits
                finally:
                    os.close(handle)
        options["connect_args"] = {"timeout": 60}
    else:
        options["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **options)
    except Exception as exc:  # a missing driver, a malformed URL
        raise StorageError(f"databasen {parsed.render_as_string()} kan inte användas: {exc}") from None
    if engine.dialect.name == "sqlite":
        _sqlite_transactions(engine)
    db = Database(parsed.render_as_string(hide_password=False), engine)
    try:
        if upgrade:
            _upgrade(db)
        else:  # connected now, so that an unreachable database is this message, not a traceback later
            schema_revision(db)
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StorageError(f"databasen {parsed.render_as_string()} kan inte öppnas: {reason}") from None
    return db


def _sqlite_transactions(engine: Engine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins, and how."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")  # readers do not wait for a writer
        cursor.execute("PRAGMA busy_timeout = 60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


HEAD_REVISION = "0008"
"""The newest migration in ``migrations/versions`` (a test holds it to Alembic's own head).

Knowing it lets an up-to-date database be opened with one query, without importing Alembic
(a third of a second on every command).
"""


def _stored_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return None if revision is None else str(revision)


def _upgrade(db: Database) -> None:
    with db.read() as connection:
        stored = _stored_revision(connection)
    if stored == HEAD_REVISION:
        return
    if stored is not None and stored not in known_revisions():
        raise SchemaError(_schema_message(db, SchemaState(stored)))
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with db.write() as connection:
        if db.dialect == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        if _stored_revision(connection) == HEAD_REVISION:
            return  # another process upgraded it while this one waited for the lock
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def schema_revision(db: Database) -> str | None:
    """The schema's Alembic revision (``None`` for an empty database)."""
    with db.read() as connection:
        return _stored_revision(connection)


@lru_cache(maxsize=1)
def known_revisions() -> tuple[str, ...]:
    """Every revision this version can migrate from, oldest first (the files' numbers); read when
    a schema is not the newest, not when the module is imported."""
    return tuple(sorted(p.name[:4] for p in (_MIGRATIONS / "versions").glob("[0-9]" * 4 + "_*.py")))


@dataclass(frozen=True, slots=True)
class SchemaState:
    """Where a database's schema stands against this version of hos_avtal.

    >>> SchemaState("0005").status, SchemaState(HEAD_REVISION).status, SchemaState(None).status
    ('behind', 'current', 'empty')
    """

    revision: str | None
    """The stored revision; ``None`` for a database without a schema."""
    head: str = HEAD_REVISION

    @property
    def status(self) -> str:
        """``current``, ``empty``, ``behind`` (``db upgrade`` brings it to ``head``) or ``ahead`` (a
        newer version of hos_avtal migrated it; this one must not use it)."""
        if self.revision == self.head:
            return "current"
        if self.revision is None:
            return "empty"
        return "behind" if self.revision in known_revisions() else "ahead"


def schema_state(db: Database) -> SchemaState:
    """The schema of ``db`` against this version's newest migration."""
    return SchemaState(schema_revision(db))


def upgrade_schema(db: Database) -> tuple[SchemaState, SchemaState]:
    """Migrate ``db`` to this version's newest schema (``hos-avtal db upgrade``): the state before
    and after. One process at a time migrates (PostgreSQL: an advisory lock; SQLite: its write
    lock); a schema newer than this version is refused, never downgraded."""
    before = schema_state(db)
    if before.status == "ahead":
        raise SchemaError(_schema_message(db, before))
    _upgrade(db)
    return before, schema_state(db)


def require_current_schema(db: Database) -> None:
    """Refuse (:class:`~hos_avtal.errors.SchemaError`) a database whose schema is not this
    version's: what ``hos-avtal serve`` checks instead of migrating."""
    state = schema_state(db)
    if state.status != "current":
        raise SchemaError(_schema_message(db, state))


def _schema_message(db: Database, state: SchemaState) -> str:
    where = make_url(db.url).render_as_string()  # the password hidden
    if state.status == "empty":
        return f"databasen {where} har inget schema än; skapa det med: hos-avtal db upgrade --db URL"
    if state.status == "ahead":
        return (
            f"databasen {where} har schemaversion {state.revision}, nyare än den här versionen av "
            f"hos_avtal ({state.head}); kör den version som uppgraderade den"
        )
    return (
        f"databasen {where} har schemaversion {state.revision}, den här versionen av hos_avtal kräver "
        f"{state.head}; ta en säkerhetskopia och uppgradera med: hos-avtal db upgrade --db URL"
    )


def backup_sqlite(db: Database, to: Path) -> int:
    """A consistent copy of a SQLite database at ``to`` while it is in use (SQLite's online
    backup), readable by its owner only; the number of pages copied. ``to`` must not exist; a
    PostgreSQL database is copied with ``pg_dump`` instead (docs/operations.md)."""
    import sqlite3

    if db.dialect != "sqlite":
        raise StorageError(
            "databasen är inte en SQLite-fil; säkerhetskopiera PostgreSQL med pg_dump (docs/operations.md)"
        )
    if to.exists():
        raise StorageError(f"{to} finns redan; välj en ny fil, en säkerhetskopia skrivs aldrig över")
    if not to.parent.is_dir():
        raise StorageError(f"{to}: mappen {to.parent} finns inte")
    source_path = make_url(db.url).database or ""
    handle = os.open(to, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(handle)
    source, target = sqlite3.connect(source_path), sqlite3.connect(to)
    try:
        source.backup(target)
        return int(target.execute("PRAGMA page_count").fetchone()[0])
    finally:
        target.close()
        source.close()
