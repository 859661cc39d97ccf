"""API keys: created by the CLI, shown once, stored only as a SHA-256 hash.

A token is ``hk_`` + 32 random URL-safe bytes (256 bits). With that much entropy a plain SHA-256
is the right storage: guessing is hopeless, and a deliberately slow password hash (bcrypt, argon2)
would only add its cost to every request. The prefix makes a leaked token easy to grep for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal, get_args

import sqlalchemy as sa

from hos_avtal.errors import HosAvtalError, quotable
from hos_avtal.municipalities import is_party
from hos_avtal.storage import Database, api_key

Role = Literal["admin", "billing", "analyst", "kommun"]
ROLES: tuple[Role, ...] = get_args(Role)
PREFIX = "hk_"


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key (never its token)."""

    id: int
    role: Role
    kommun: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_key(db: Database, role: str, kommun: str | None = None) -> tuple[ApiKey, str]:
    """Store a new key; return it and its token (the only time the token exists outside a client)."""
    if role not in ROLES:
        raise HosAvtalError(f"okänd roll {role!r}; välj en av {', '.join(ROLES)}")
    if (role == "kommun") != (kommun is not None):
        raise HosAvtalError("--kommun krävs för rollen kommun och bara för den")
    if kommun is not None and not is_party(kommun):
        raise HosAvtalError(f"{quotable(kommun)} är inte någon av avtalets 49 kommuner")
    token = PREFIX + secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    with db.write() as connection:
        key_id = connection.execute(
            sa.insert(api_key)
            .values(token_sha256=token_hash(token), role=role, kommun=kommun, created_at=now)
            .returning(api_key.c.id)
        ).scalar_one()
    return ApiKey(int(key_id), role, kommun, now), token


def _key(row: sa.Row[object]) -> ApiKey:
    m = row._mapping
    return ApiKey(m["id"], m["role"], m["kommun"], m["created_at"], m["revoked_at"])


def find_key(db: Database, token: str) -> ApiKey | None:
    """The active key with this token, or ``None`` (unknown and revoked keys look the same)."""
    if not token.startswith(PREFIX):
        return None
    with db.read() as connection:
        row = connection.execute(_ACTIVE_BY_TOKEN, {"token_sha256": token_hash(token)}).first()
    return None if row is None else _key(row)


_ACTIVE_BY_TOKEN = sa.select(api_key).where(
    api_key.c.token_sha256 == sa.bindparam("token_sha256"), api_key.c.revoked_at.is_(None)
)
"""Built once: every request looks its key up, and building the statement cost as much as the query."""


def list_keys(db: Database) -> list[ApiKey]:
    with db.read() as connection:
        return [_key(row) for row in connection.execute(sa.select(api_key).order_by(api_key.c.id))]


def revoke_key(db: Database, key_id: int) -> ApiKey:
    """Revoke a key at once (its next request gets 401); revoking twice keeps the first time."""
    with db.write() as connection:
        connection.execute(
            sa.update(api_key)
            .where(api_key.c.id == key_id, api_key.c.revoked_at.is_(None))
            .values(revoked_at=dt.datetime.now(dt.UTC))
        )
        row = connection.execute(sa.select(api_key).where(api_key.c.id == key_id)).first()
    if row is None:
        raise HosAvtalError(f"ingen API-nyckel har id {key_id}")
    return _key(row)
