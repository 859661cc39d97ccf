"""``hos-avtal keys``: API keys for the HTTP API — create (the token is shown once), list, revoke.

Only a SHA-256 of each token is stored; a lost token cannot be recovered, only replaced.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from hos_avtal.cli._app import command_group
from hos_avtal.cli._options import DbOption
from hos_avtal.cli._run import _open

keys_app = command_group("keys", "API keys for the HTTP API (hos-avtal serve).")


class RoleChoice(StrEnum):
    admin = "admin"
    billing = "billing"
    analyst = "analyst"
    kommun = "kommun"


@keys_app.command("create")
def create_command(
    role: Annotated[RoleChoice, typer.Option("--role", help="admin, billing, analyst or kommun.")],
    kommun: Annotated[
        str | None, typer.Option("--kommun", help="The municipality of a kommun key, e.g. 1480.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Create a key and print its token once (store it now: only its hash is kept)."""
    from hos_avtal.api import create_key

    database = _open(db)
    try:
        key, token = create_key(database, role.value, kommun)
    finally:
        database.close()
    typer.echo(f"key {key.id} ({key.role}{' ' + key.kommun if key.kommun else ''}) created; token:", err=True)
    typer.echo(token)


@keys_app.command("list")
def list_command(db: DbOption = None) -> None:
    """Every key as JSON lines: id, role, kommun, created and revoked times (never a token)."""
    from hos_avtal.api import list_keys

    database = _open(db)
    try:
        keys = list_keys(database)
    finally:
        database.close()
    for key in keys:
        typer.echo(
            json.dumps(
                {
                    "id": key.id,
                    "role": key.role,
                    "kommun": key.kommun,
                    "created_at": key.created_at.isoformat(),
                    "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
                }
            )
        )


@keys_app.command("revoke")
def revoke_command(
    key_id: Annotated[int, typer.Argument(help="Key id (see 'hos-avtal keys list').", min=1, max=2**31 - 1)],
    db: DbOption = None,
) -> None:
    """Revoke a key: its next request is refused (401)."""
    from hos_avtal.api import revoke_key

    database = _open(db)
    try:
        key = revoke_key(database, key_id)
    finally:
        database.close()
    typer.echo(f"key {key.id} revoked at {key.revoked_at.isoformat() if key.revoked_at else '?'}")
