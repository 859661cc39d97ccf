"""``hos-avtal db upgrade | current | check``: the run database's schema, managed on purpose.

``serve`` never migrates (it refuses a schema that is not its own); the other commands create
and upgrade a database as they open it, as they always have. In a deployment, ``db upgrade``
is the one step of an upgrade that changes the schema, run once with a backup taken first
(docs/operations.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hos_avtal.cli._app import command_group
from hos_avtal.cli._options import DbOption

if TYPE_CHECKING:
    from hos_avtal.storage import Database

db_app = command_group("db", "Databasens schema: uppgradera, visa eller kontrollera versionen (Alembic).")

_STATUS_SV = {
    "current": "aktuellt",
    "empty": "inget schema än",
    "behind": "äldre än den här versionen: kör hos-avtal db upgrade",
    "ahead": "nyare än den här versionen",
}


def _open(db: str | None) -> Database:
    """The database as it is: these commands look at the schema before anything changes it."""
    from hos_avtal.storage import open_database

    return open_database(db, upgrade=False)


@db_app.command("upgrade")
def upgrade(db: DbOption = None) -> None:
    """Uppgradera databasens schema till den här versionens (skapar det i en tom databas). En
    process i taget; en databas som redan är aktuell lämnas orörd. Ta en säkerhetskopia först."""
    from hos_avtal.storage import upgrade_schema

    with _open(db) as database:
        before, after = upgrade_schema(database)
    if before.revision == after.revision:
        typer.echo(f"schemat är redan aktuellt: {after.revision}")
    else:
        typer.echo(f"schemat uppgraderat: {before.revision or 'tomt'} -> {after.revision}")


@db_app.command("current")
def current(db: DbOption = None) -> None:
    """Visa databasens schemaversion och den här versionens."""
    from hos_avtal.storage import schema_state

    with _open(db) as database:
        state = schema_state(database)
    status = _STATUS_SV[state.status]
    typer.echo(f"databasen: {state.revision or '-'}  den här versionen: {state.head}  ({status})")


@db_app.command("check")
def check(db: DbOption = None) -> None:
    """Avsluta med 0 om schemat är den här versionens, annars med 2 och ett meddelande som
    säger vad som ska göras (för driftsättning och övervakning)."""
    from hos_avtal.storage import require_current_schema

    with _open(db) as database:
        require_current_schema(database)
    typer.echo("schemat är aktuellt")


@db_app.command("backup")
def backup(
    to: Annotated[
        Path, typer.Argument(help="Fil att skriva kopian till (får inte finnas).", show_default=False)
    ],
    db: DbOption = None,
) -> None:
    """Säkerhetskopiera en SQLite-databas medan den används (SQLites online-backup: en
    konsistent kopia även när servern skriver). En PostgreSQL-databas kopieras med pg_dump."""
    from hos_avtal.storage import backup_sqlite

    with _open(db) as database:
        pages = backup_sqlite(database, to)
    typer.echo(f"säkerhetskopia skriven: {to} ({pages} sidor)")
