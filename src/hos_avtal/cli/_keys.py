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

keys_app = command_group("keys", "API-nycklar för HTTP-API:t (hos-avtal serve).")


class RoleChoice(StrEnum):
    admin = "admin"
    billing = "billing"
    analyst = "analyst"
    kommun = "kommun"


@keys_app.command("create")
def create_command(
    role: Annotated[RoleChoice, typer.Option("--role", help="admin, billing, analyst eller kommun.")],
    kommun: Annotated[
        str | None, typer.Option("--kommun", help="Kommunen för en nyckel med rollen kommun, t.ex. 1480.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Skapa en nyckel och visa dess token en gång (spara den genast: bara en hash av den lagras)."""
    from hos_avtal.api import create_key

    database = _open(db)
    try:
        key, token = create_key(database, role.value, kommun)
    finally:
        database.close()
    typer.echo(
        f"nyckel {key.id} ({key.role}{' ' + key.kommun if key.kommun else ''}) skapad; token:", err=True
    )
    typer.echo(token)


@keys_app.command("list")
def list_command(db: DbOption = None) -> None:
    """Alla nycklar som JSON-rader: id, role, kommun, när den skapades och återkallades (aldrig en token)."""
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
    key_id: Annotated[
        int, typer.Argument(help="Nyckelns id (se 'hos-avtal keys list').", min=1, max=2**31 - 1)
    ],
    db: DbOption = None,
) -> None:
    """Återkalla en nyckel: nästa anrop med den nekas (401)."""
    from hos_avtal.api import revoke_key

    database = _open(db)
    try:
        key = revoke_key(database, key_id)
    finally:
        database.close()
    typer.echo(f"key {key.id} revoked at {key.revoked_at.isoformat() if key.revoked_at else '?'}")
