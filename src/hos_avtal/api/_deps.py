"""Dependencies of the routes: the database, the caller's key, and what its role may do.

Authorization is decided here and nowhere else, so a route states its roles in its signature and
cannot forget to check them. No key (or a bad or revoked one) is 401; a valid key whose role may
not use the route is 403; a kommun key asking for another municipality's data gets 404, so it does
not learn whether the data exists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import IntegrityError

from hos_avtal.api._keys import ApiKey, Role, find_key
from hos_avtal.errors import ProblemError
from hos_avtal.rules import RuleSet
from hos_avtal.storage import Database, idempotency_key

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer hk_…`.")


async def database(request: Request) -> Database:
    db: Database = request.app.state.database
    return db


DatabaseDep = Annotated[Database, Depends(database)]


def current_key(
    request: Request,
    db: DatabaseDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey:
    """The caller's active key; 401 otherwise. Left in the request state for the audit log."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ProblemError(401, "send an API key: Authorization: Bearer hk_…", headers=challenge)
    key = find_key(db, credentials.credentials)
    if key is None:
        raise ProblemError(401, "the API key is unknown or revoked", headers=challenge)
    request.state.api_key = key
    return key


def require(*roles: Role) -> Callable[..., Coroutine[Any, Any, ApiKey]]:
    """A dependency that lets only ``roles`` (and admin, which may do everything) through.

    It and :func:`database` are coroutines because they do no I/O: FastAPI runs a plain
    function dependency in a worker thread, a hop that costs more than the check itself.
    """
    allowed = {"admin", *roles}

    async def check(key: Annotated[ApiKey, Depends(current_key)]) -> ApiKey:
        if key.role not in allowed:
            raise ProblemError(403, f"a {key.role} key may not use this endpoint")
        return key

    return check


CALCULATE = require("billing", "analyst")
READ_REFERENCE = require("billing", "analyst", "kommun")
READ_RUNS = require("billing", "analyst", "kommun")
WRITE_RUNS = require("billing")


def visible_kommun(key: ApiKey) -> str | None:
    """The only municipality a kommun key may see; ``None``: every municipality."""
    return key.kommun if key.role == "kommun" else None


def check_kommun(key: ApiKey, kommun: str) -> None:
    if key.role == "kommun" and key.kommun != kommun:
        raise ProblemError(404, "no invoice basis for this municipality is visible to this key")


# -------------------------------------------------------------------------------- idempotency


class Idempotency:
    """An ``Idempotency-Key`` of one request: replays a stored response or stores a new one.

    The stored identity is the key id, the SHA-256 of the Idempotency-Key, the method, the path and
    the SHA-256 of the raw body; the same Idempotency-Key with anything else is a client error
    (422), never a second write. Only successful responses are stored: a failed request changed
    nothing, so it is safe to send again as it is.
    """

    def __init__(self, db: Database, key: ApiKey, value: str | None, method: str, path: str, body: bytes):
        self.db, self.key, self.method, self.path = db, key, method, path
        # A client picks the key and could pick a personnummer; its digest (the UTF-8 of the
        # header as Starlette decodes it, in hex) identifies the retry just as well.
        self.value = None if value is None else hashlib.sha256(value.encode()).hexdigest()
        self.body_sha256 = hashlib.sha256(body).hexdigest()

    def replay(self) -> JSONResponse | None:
        if self.value is None:
            return None
        with self.db.read() as connection:
            row = connection.execute(
                sa.select(idempotency_key).where(
                    idempotency_key.c.key_id == self.key.id, idempotency_key.c.idempotency_key == self.value
                )
            ).first()
        if row is None:
            return None
        stored = row._mapping
        if (stored["method"], stored["path"], stored["body_sha256"]) != (
            self.method,
            self.path,
            self.body_sha256,
        ):
            raise ProblemError(
                422,
                "this Idempotency-Key was used for a different request; use a new key for new content",
                kind="idempotency-key-reused",
            )
        headers = {"Idempotent-Replayed": "true"}
        if stored["location"]:
            headers["Location"] = stored["location"]
        return JSONResponse(json.loads(stored["response"]), status_code=stored["status"], headers=headers)

    def store(self, status: int, body: Any, location: str | None) -> None:
        if self.value is None:
            return
        values = {
            "key_id": self.key.id, "idempotency_key": self.value, "method": self.method, "path": self.path,
            "body_sha256": self.body_sha256, "status": status, "location": location,
            "response": json.dumps(body), "created_at": dt.datetime.now(dt.UTC),
        }  # fmt: skip
        try:
            with self.db.write() as connection:
                connection.execute(sa.insert(idempotency_key).values(**values))
        except IntegrityError:
            pass  # a concurrent retry stored it first; both answers describe the same resource


async def idempotency(
    request: Request, db: DatabaseDep, key: Annotated[ApiKey, Depends(current_key)]
) -> Idempotency:
    value = request.headers.get("idempotency-key")
    if value is not None and not 1 <= len(value) <= 255:
        raise ProblemError(400, "Idempotency-Key must be 1 to 255 characters")
    return Idempotency(db, key, value, request.method, request.url.path, await request.body())


def named_ruleset(ruleset_id: str | None, field: str = "ruleset") -> RuleSet | None:
    """A rule set by id: shipped, in the configured folder, or registered in the database. The
    core also reads rule-set files by path; the API must never let a client name a file on the
    server, so only known ids are accepted."""
    if ruleset_id is None:
        return None
    from hos_avtal.rules import known_ids, load_ruleset

    if ruleset_id in known_ids():
        return load_ruleset(ruleset_id)
    raise ProblemError(
        422,
        "unknown rule set; see GET /v1/rulesets",
        errors=[{"source": None, "row": None, "column": None, "field": field, "reason": "unknown rule set"}],
    )
