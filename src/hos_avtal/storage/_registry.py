"""The rules registry in the database: rule sets, fastställda belopp and tariffs (migration 0006).

Every table is append-only; the latest row of a key is the value in force. Each change is
written with its audit-log row in the same transaction, so no change is ever unaccounted for.
Checks that need no database (a value's type and plausible range) are the rules layer's
(:func:`hos_avtal.rules.check_registered_amount` and friends); the ones here need the database:
a rule-set id a final run used keeps its content, and automatic rule sets never overlap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Row, Select, Table, func, insert, select, text

from hos_avtal._types import KommunCode, Ore
from hos_avtal.errors import RuleSetConflictError
from hos_avtal.rules import (
    RegisteredAmount,
    RegisteredRuleSet,
    RegisteredTariff,
    Registry,
    RuleSet,
    check_registrable,
    content_sha256,
    folder_rulesets,
    parse_ruleset_text,
    shipped_rulesets,
)
from hos_avtal.storage._database import Database
from hos_avtal.storage._events import log_event
from hos_avtal.storage._models import (
    audit_log,
    billing_run,
    registered_daily_amount,
    registered_ruleset,
    registered_tariff,
)

_REGISTRY_LOCK = 0x686F7352  # names the advisory lock that serialises registrations on PostgreSQL


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change: a command-line user (``name``), or an API key (``key_id``, whose
    request the API's middleware audits itself)."""

    name: str
    key_id: int | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _audit(connection: Connection, actor: Actor, action: str, resource: str) -> None:
    if actor.key_id is not None:
        return  # the API's audit middleware writes the request's row
    connection.execute(
        insert(audit_log).values(
            key_id=None,
            actor=actor.name,
            at=_now(),
            method="CLI",
            path=action,
            status=200,
            resource_id=resource,
        )
    )


def _locked(connection: Connection) -> None:
    """Serialise registrations: two at once must not both pass the overlap check."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _REGISTRY_LOCK})


def _latest(table: Table, *keys: str) -> Select[Any]:
    newest = select(func.max(table.c.id)).group_by(*(table.c[k] for k in keys))
    return select(table).where(table.c.id.in_(newest))


def load_registry(db: Database) -> Registry:
    """Everything registered in ``db`` that is in force now (the latest row of each key)."""
    with db.read() as connection:
        rulesets = _current_rulesets(connection)
        amounts = [_amount(row) for row in connection.execute(_latest(registered_daily_amount, "year"))]
        tariffs = [
            _tariff(row)
            for row in connection.execute(_latest(registered_tariff, "kommun", "year", "service"))
        ]
    return Registry(
        tuple(sorted(rulesets, key=lambda r: r.ruleset.id)),
        {a.year: a for a in amounts},
        {(t.kommun, t.year, t.service): t for t in tariffs},
    )


@lru_cache(maxsize=128)
def _parsed(content: str, ruleset_id: str) -> RuleSet:
    """A registered rule set, parsed once per process: a request reads the registry, not TOML."""
    return parse_ruleset_text(content, f"{ruleset_id} (registered)")


def _ruleset(row: Row[Any]) -> RegisteredRuleSet:
    ruleset = _parsed(row.content, row.ruleset_id)
    return RegisteredRuleSet(
        ruleset, row.content_sha256, "database", row.registered_by, _utc(row.registered_at)
    )


def _amount(row: Row[Any]) -> RegisteredAmount:
    r = row
    return RegisteredAmount(r.year, r.amount_ore, r.source, r.registered_by, _utc(r.registered_at))


def _tariff(row: Row[Any]) -> RegisteredTariff:
    r = row
    return RegisteredTariff(
        r.kommun, r.year, r.service, r.amount_ore, r.decided, r.source, r.registered_by, _utc(r.registered_at)
    )


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)  # SQLite drops the zone


def register_ruleset(db: Database, content: str, source: str, actor: Actor) -> tuple[RegisteredRuleSet, bool]:
    """Register the rule set in ``content`` (TOML); ``(registered, created)``.

    The same content (as validated: comments and spacing do not count) under the same id is one
    rule set: ``created`` is ``False`` and nothing is written. Different content under an id a
    final run used is refused (a new id keeps that run reproducible); an id of a shipped rule set,
    or an automatic rule set whose validity overlaps another automatic one, is refused too.
    """
    ruleset = parse_ruleset_text(content, source)
    _check_document(content, source)
    digest = content_sha256(ruleset)
    with db.write() as connection:
        _locked(connection)
        current = {r.ruleset.id: r for r in _current_rulesets(connection)}
        folder = {r.ruleset.id: r for r in folder_rulesets()}
        same = current.get(ruleset.id)
        if same is not None and same.content_sha256 == digest:
            return same, False
        others = [
            *shipped_rulesets(),
            *(r.ruleset for r in current.values()),
            *(r.ruleset for r in folder.values()),
        ]
        check_registrable(ruleset, others)
        # Under an id a final run used, the content it used (registered, or in the folder) stays.
        previous = same or folder.get(ruleset.id)
        changed = previous is not None and previous.content_sha256 != digest
        if changed and _used_by_final_run(connection, ruleset.id):
            raise RuleSetConflictError(
                source,
                f"regelverket {ruleset.id!r} finns redan med annat innehåll (registrerat eller i mappen "
                "med regelverk), och en fastställd körning har använt det: registrera det nya innehållet "
                f"under ett nytt id (till exempel {ruleset.id}-v2), så att den körningen går att återskapa",
                key="id",
            )
        at = _now()
        connection.execute(
            insert(registered_ruleset).values(
                ruleset_id=ruleset.id,
                content_sha256=digest,
                content=content,
                registered_by=actor.name,
                registered_at=at,
            )
        )
        _audit(connection, actor, "rulesets add", ruleset.id)
    log_event(
        "ruleset.registered", f"rule set {ruleset.id} registered",
        ruleset_id=ruleset.id, created_by=actor.name,
    )  # fmt: skip
    return RegisteredRuleSet(ruleset, digest, "database", actor.name, at), True


def _check_document(content: str, source: str) -> None:
    """The text is stored as it is, comments included: no NUL or other control character (but
    tabs and line breaks), and no personnummer anywhere in it."""
    from hos_avtal.errors import InputError, RuleSetError
    from hos_avtal.privacy import check_label

    try:
        check_label(content, "toml", max_length=1_000_000, multiline=True)
    except InputError as exc:
        raise RuleSetError(source, f"filens text {exc.problems[0].reason}") from None


def _current_rulesets(connection: Connection) -> list[RegisteredRuleSet]:
    return [_ruleset(row) for row in connection.execute(_latest(registered_ruleset, "ruleset_id"))]


def _used_by_final_run(connection: Connection, ruleset_id: str) -> bool:
    found = connection.execute(
        select(billing_run.c.id)
        .where(billing_run.c.ruleset_id == ruleset_id, billing_run.c.state == "final")
        .limit(1)
    ).first()
    return found is not None


def ruleset_content(db: Database, ruleset_id: str) -> str | None:
    """The TOML text of the registered rule set in force under ``ruleset_id``."""
    with db.read() as connection:
        return connection.execute(
            select(registered_ruleset.c.content)
            .where(registered_ruleset.c.ruleset_id == ruleset_id)
            .order_by(registered_ruleset.c.id.desc())
            .limit(1)
        ).scalar()


def register_daily_amount(
    db: Database, year: int, amount_ore: int, source: str, actor: Actor
) -> RegisteredAmount:
    """Register ``year``'s fastställt belopp (checked by the caller: see
    :func:`hos_avtal.rules.check_registered_amount`); it replaces an earlier one for new runs.
    A final run keeps the amount it used: it is part of the run, not looked up again."""
    at = _now()
    with db.write() as connection:
        connection.execute(
            insert(registered_daily_amount).values(
                year=year, amount_ore=amount_ore, source=source, registered_by=actor.name, registered_at=at
            )
        )
        _audit(connection, actor, "amounts set", str(year))
    log_event(
        "daily_amount.registered", f"daily amount of {year} registered", year=year, created_by=actor.name
    )
    return RegisteredAmount(year, Ore(amount_ore), source, actor.name, at)


def daily_amount_history(db: Database) -> list[RegisteredAmount]:
    """Every amount ever registered, by year, the one in force last."""
    with db.read() as connection:
        rows = connection.execute(
            select(registered_daily_amount).order_by(
                registered_daily_amount.c.year, registered_daily_amount.c.id
            )
        )
        return [_amount(row) for row in rows]


def register_tariff(
    db: Database,
    kommun: str,
    year: int,
    amounts_ore: dict[str, Ore],
    decided: dt.date,
    source: str,
    actor: Actor,
) -> list[RegisteredTariff]:
    """Register a municipality's own tariffs for ``year``, one per service in ``amounts_ore``."""
    at = _now()
    with db.write() as connection:
        for service, amount_ore in sorted(amounts_ore.items()):
            connection.execute(
                insert(registered_tariff).values(
                    kommun=kommun,
                    year=year,
                    service=service,
                    amount_ore=amount_ore,
                    decided=decided,
                    source=source,
                    registered_by=actor.name,
                    registered_at=at,
                )
            )
        _audit(connection, actor, "tariffs set", f"{kommun}/{year}")
    log_event(
        "tariff.registered", f"tariffs of {kommun} for {year} registered",
        kommun=kommun, year=year, created_by=actor.name,
    )  # fmt: skip
    return [
        RegisteredTariff(KommunCode(kommun), year, service, amount, decided, source, actor.name, at)
        for service, amount in sorted(amounts_ore.items())
    ]


def tariff_history(
    db: Database, kommun: KommunCode | None = None, years: Iterable[int] | None = None
) -> list[RegisteredTariff]:
    """Every tariff ever registered (of one municipality, in some years), the one in force last."""
    query = select(registered_tariff)
    if kommun is not None:
        query = query.where(registered_tariff.c.kommun == kommun)
    if years is not None:
        query = query.where(registered_tariff.c.year.in_(list(years)))
    order = (
        registered_tariff.c.kommun,
        registered_tariff.c.year,
        registered_tariff.c.service,
        registered_tariff.c.id,
    )
    with db.read() as connection:
        return [_tariff(row) for row in connection.execute(query.order_by(*order))]


def ruleset_history(db: Database) -> list[RegisteredRuleSet]:
    """Every rule set ever registered, oldest registration first."""
    with db.read() as connection:
        rows = connection.execute(select(registered_ruleset).order_by(registered_ruleset.c.id))
        return [_ruleset(row) for row in rows]


def read_registry(url_or_path: str | None = None) -> Registry:
    """The registry of the database ``url_or_path`` names (as ``--db``: default
    ``$HOS_AVTAL_DATABASE_URL``, else ``hos_avtal.sqlite`` here); an empty one when that is a
    SQLite file that does not exist, so a calculation never creates a database."""
    from hos_avtal.storage._database import open_database
    from hos_avtal.storage._location import missing_database_file

    if missing_database_file(url_or_path):
        return Registry()
    with open_database(url_or_path) as db:
        return load_registry(db)
