"""Replacing a personnummer in an id column by a keyed hash, before anything is computed or stored.

The key (HMAC-SHA256) comes from ``HOS_AVTAL_PSEUDONYM_KEY`` or, without it, from a random key
created once and kept in the database's ``settings`` table. The trade-off: a key in the same
database as the pseudonyms is convenient (nothing to configure, stable across runs, so a person's
lines keep their id from version to version), but anyone who can read the database can recompute
the hash of every possible personnummer (about 10⁹ of them) and so re-identify people. Production
should set ``HOS_AVTAL_PSEUDONYM_KEY`` from a secret store, kept apart from the database, and never
change it (a new key gives every person a new pseudonym, so corrections would show moved lines).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from typing import TYPE_CHECKING

import polars as pl

from hos_avtal.io._privacy import personnummer_rows

if TYPE_CHECKING:
    from hos_avtal.storage import Database

ENV_KEY = "HOS_AVTAL_PSEUDONYM_KEY"
SETTING_KEY = "pseudonym_key"
PREFIX = "pn-"
"""Marks a pseudonym."""
_LETTERS = "abcdefghijklmnop"


def new_key() -> str:
    return secrets.token_hex(32)


def environment_key() -> str | None:
    return os.environ.get(ENV_KEY) or None


def database_key(db: Database) -> bytes:
    """The pseudonym key: ``HOS_AVTAL_PSEUDONYM_KEY``, else the database's own (made on first use).

    Runs and scenario datasets share it, so one person has one pseudonym everywhere.
    """
    from hos_avtal.storage import setting  # storage imports runs: import it only when called

    return (environment_key() or setting(db, SETTING_KEY, new_key())).encode()


def pseudonym(personnummer: str, key: bytes) -> str:
    """The keyed hash of a personnummer, the same for every spelling of it.

    Separators are ignored and only the last ten digits count (the century is not part of the
    number: ``19121212-1212``, ``191212121212`` and ``121212-1212`` are one person).
    """
    digits = "".join(ch for ch in personnummer if ch.isdigit())[-10:]
    return _letters(hmac.new(key, digits.encode(), hashlib.sha256).digest()[:12])


def keyed_id(value: str, key: bytes, purpose: bytes) -> str:
    """A pseudonym for any id (not only a personnummer); ``purpose`` keeps kinds of ids apart."""
    return _letters(hmac.new(key, purpose + value.strip().encode(), hashlib.sha256).digest()[:12])


def _letters(digest: bytes) -> str:
    # Written in the letters a–p (one per 4 bits), not hex: a pseudonym holds no digits at all, so
    # no part of it can ever look like a personnummer to a scan of the database or an export.
    return PREFIX + "".join(_LETTERS[b >> 4] + _LETTERS[b & 15] for b in digest)


def pseudonymise(frame: pl.DataFrame, columns: tuple[str, ...], key: bytes) -> tuple[pl.DataFrame, int]:
    """``frame`` with every personnummer in ``columns`` replaced; and how many were replaced.

    Works on the raw frame a reader returns, before validation, so the validators (which refuse
    a personnummer) then see only pseudonyms. Surrounding white space is ignored when testing.
    """
    replaced = 0
    for column in columns:
        if column not in frame.columns:
            continue
        if frame.schema[column] != pl.String:
            frame = frame.with_columns(pl.col(column).cast(pl.String))
        stripped = frame.select(pl.col(column).str.strip_chars())
        rows = personnummer_rows(stripped, column)
        if rows.len() == 0:
            continue
        values = stripped.get_column(column).gather(rows).to_list()
        hashed = pl.Series(column, [pseudonym(v, key) for v in values], dtype=pl.String)
        frame = frame.with_columns(frame.get_column(column).scatter(rows, hashed))
        replaced += len(values)
    return frame, replaced
